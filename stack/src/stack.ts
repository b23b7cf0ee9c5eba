import { rmSync } from 'node:fs';
import type { Component, ComponentContext } from './components/component';
import { connectComponent } from './components/connect';
import { kafkaComponent } from './components/kafka';
import { postgresComponent } from './components/postgres';
import { redisComponent } from './components/redis';
import { registryComponent } from './components/registry';
import { StackError } from './errors';
import { isAlive, isPortOpen, runningPid, stopProcess, tailOf, waitUntil } from './processes';

/**
 * Start order; each starts only when the ones before it are healthy (the nodes of a Kafka
 * cluster start together). The cluster topology has one component per Kafka node and per
 * Connect worker.
 */
export function stackComponents(ctx: ComponentContext): Component[] {
  return [
    postgresComponent(ctx),
    redisComponent(ctx),
    ...ctx.config.kafka.nodes.map((node) => kafkaComponent(ctx, node)),
    registryComponent(ctx),
    ...ctx.config.connect.workers.map((worker) => connectComponent(ctx, worker)),
  ];
}

export type ComponentState = 'healthy' | 'unhealthy' | 'stopped';

export interface ComponentStatus {
  name: string;
  state: ComponentState;
  address: string;
  pid?: number;
  version?: string;
  logFile: string;
}

const safely = async <T>(f: () => Promise<T>): Promise<T | undefined> => f().catch(() => undefined);

export async function statusOf(component: Component): Promise<ComponentStatus> {
  const pid = runningPid(component.process);
  const base = { name: component.name, address: component.address, logFile: component.process.logFile };
  if (pid === undefined) return { ...base, state: 'stopped' };
  const healthy = (await safely(() => component.healthy())) === true;
  if (!healthy) return { ...base, state: 'unhealthy', pid };
  const version = await safely(() => component.version());
  return { ...base, state: 'healthy', pid, ...(version ? { version } : {}) };
}

export interface UpReport {
  name: string;
  action: 'already-running' | 'started';
  pid: number;
  seconds: number;
}

/**
 * Brings the stack (or the named components) up. Idempotent: healthy components are left
 * alone, missing or crashed ones are started. Throws a StackError naming the component,
 * the cause and the log file.
 */
export async function up(
  all: Component[],
  startTimeoutMs: number,
  only?: string[],
  log: (line: string) => void = () => undefined,
): Promise<UpReport[]> {
  const byName = new Map(all.map((c) => [c.name, c]));
  const selected = only && only.length > 0 ? all.filter((c) => only.includes(c.name)) : all;
  const reports: UpReport[] = [];
  for (let i = 0; i < selected.length;) {
    // A start group (the nodes of a Kafka cluster) is launched as a whole, then awaited.
    const first = selected[i] as Component;
    let end = i + 1;
    while (first.startGroup && end < selected.length && selected[end]?.startGroup === first.startGroup) end += 1;
    const group = selected.slice(i, end);
    i = end;
    const launched: { component: Component; pid: number; started: number; action: UpReport['action'] }[] = [];
    const groupReports: UpReport[] = [];
    for (const component of group) {
      const started = Date.now();
      const running = runningPid(component.process);
      if (running !== undefined) {
        const ready = await waitUntil(
          () => component.healthy(),
          // A group member waits for its peers below; a lone server must be healthy already.
          group.length > 1 ? 2_000 : startTimeoutMs,
          () => isAlive(running),
        );
        if (ready === 'ok') {
          await component.afterHealthy?.();
          groupReports.push({
            name: component.name,
            action: 'already-running',
            pid: running,
            seconds: (Date.now() - started) / 1000,
          });
          log(`✓ ${component.name} already running at ${component.address} (pid ${running})`);
          continue;
        }
        if (isAlive(running)) {
          if (group.length > 1) {
            launched.push({ component, pid: running, started, action: 'already-running' });
            continue;
          }
          throw new StackError(
            component.name,
            `is running (pid ${running}) but not healthy after ${startTimeoutMs / 1000}s; stop it with "npm run stack:down"`,
            component.process.logFile,
            tailOf(component.process.logFile),
          );
        }
      }
      await checkCanStart(component, byName);
      await component.prepare();
      const pid = await component.launch();
      log(`… ${component.name} starting (pid ${pid}, log ${component.process.logFile})`);
      launched.push({ component, pid, started, action: 'started' });
    }
    for (const { component, pid, started, action } of launched) {
      const seconds = (): number => (Date.now() - started) / 1000;
      const result = await waitUntil(
        () => component.healthy(),
        Math.max(1_000, startTimeoutMs - (Date.now() - started)),
        () => isAlive(pid),
      );
      if (result !== 'ok') {
        const reason =
          result === 'gave-up' ? `exited during start-up` : `did not become healthy within ${startTimeoutMs / 1000}s`;
        if (result === 'timeout') await stopProcess(component.process, 5000, component.stopSignal);
        throw new StackError(component.name, reason, component.process.logFile, tailOf(component.process.logFile));
      }
      await component.afterHealthy?.();
      groupReports.push({ name: component.name, action, pid, seconds: seconds() });
      log(`✓ ${component.name} healthy at ${component.address} (pid ${pid}) in ${seconds().toFixed(1)}s`);
    }
    reports.push(...group.flatMap((c) => groupReports.filter((r) => r.name === c.name)));
  }
  return reports;
}

/** Its dependencies are healthy and its ports are free; otherwise a StackError that says which. */
async function checkCanStart(component: Component, byName: Map<string, Component>): Promise<void> {
  for (const dependency of component.dependsOn) {
    const dep = byName.get(dependency);
    const depHealthy = dep && runningPid(dep.process) !== undefined && (await safely(() => dep.healthy())) === true;
    if (!depHealthy) {
      throw new StackError(
        component.name,
        `needs ${dependency}, which is not running and healthy; start the whole stack with "npm run stack:up"`,
        dep?.process.logFile,
      );
    }
  }
  for (const port of component.ports) {
    if (await isPortOpen(component.address.split(':')[0] ?? '127.0.0.1', port)) {
      throw new StackError(
        component.name,
        `port ${port} is already in use by another process; stop it or choose another port (see README, "Configuration")`,
      );
    }
  }
}

/**
 * Stops every running component in reverse start order; with clean, deletes their data. The
 * members of a start group stop together: the last node of a KRaft quorum stopped alone would
 * wait for a controller that is gone.
 */
export async function down(
  all: Component[],
  stopTimeoutMs: number,
  clean: boolean,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const reversed = [...all].reverse();
  const words = {
    stopped: 'stopped',
    killed: `killed after ${stopTimeoutMs / 1000}s`,
    'not-running': 'was not running',
  };
  for (let i = 0; i < reversed.length;) {
    const first = reversed[i] as Component;
    let end = i + 1;
    while (first.startGroup && end < reversed.length && reversed[end]?.startGroup === first.startGroup) end += 1;
    const group = reversed.slice(i, end);
    i = end;
    const outcomes = await Promise.all(group.map((c) => stopProcess(c.process, stopTimeoutMs, c.stopSignal)));
    group.forEach((component, k) => {
      const outcome = outcomes[k] ?? 'not-running';
      log(`${outcome === 'not-running' ? '·' : '✓'} ${component.name} ${words[outcome]}`);
      if (clean) {
        for (const dir of component.dataDirs) rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}
