import { rmSync } from 'node:fs';
import type { Component, ComponentContext } from './components/component';
import { connectComponent } from './components/connect';
import { kafkaComponent } from './components/kafka';
import { postgresComponent } from './components/postgres';
import { redisComponent } from './components/redis';
import { registryComponent } from './components/registry';
import { StackError } from './errors';
import { isAlive, isPortOpen, runningPid, stopProcess, tailOf, waitUntil } from './processes';

/** Start order; each starts only when the ones before it are healthy. */
export function stackComponents(ctx: ComponentContext): Component[] {
  return [
    postgresComponent(ctx),
    redisComponent(ctx),
    kafkaComponent(ctx),
    registryComponent(ctx),
    connectComponent(ctx),
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
  for (const component of selected) {
    const started = Date.now();
    const seconds = (): number => (Date.now() - started) / 1000;
    const running = runningPid(component.process);
    if (running !== undefined) {
      const ready = await waitUntil(
        () => component.healthy(),
        startTimeoutMs,
        () => isAlive(running),
      );
      if (ready === 'ok') {
        await component.afterHealthy?.();
        reports.push({ name: component.name, action: 'already-running', pid: running, seconds: seconds() });
        log(`✓ ${component.name} already running at ${component.address} (pid ${running})`);
        continue;
      }
      if (isAlive(running)) {
        throw new StackError(
          component.name,
          `is running (pid ${running}) but not healthy after ${startTimeoutMs / 1000}s; stop it with "npm run stack:down"`,
          component.process.logFile,
          tailOf(component.process.logFile),
        );
      }
    }
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
    await component.prepare();
    const pid = await component.launch();
    log(`… ${component.name} starting (pid ${pid}, log ${component.process.logFile})`);
    const result = await waitUntil(
      () => component.healthy(),
      startTimeoutMs,
      () => isAlive(pid),
    );
    if (result !== 'ok') {
      const reason =
        result === 'gave-up' ? `exited during start-up` : `did not become healthy within ${startTimeoutMs / 1000}s`;
      if (result === 'timeout') await stopProcess(component.process, 5000, component.stopSignal);
      throw new StackError(component.name, reason, component.process.logFile, tailOf(component.process.logFile));
    }
    await component.afterHealthy?.();
    reports.push({ name: component.name, action: 'started', pid, seconds: seconds() });
    log(`✓ ${component.name} healthy at ${component.address} (pid ${pid}) in ${seconds().toFixed(1)}s`);
  }
  return reports;
}

/** Stops every running component in reverse start order; with clean, deletes their data. */
export async function down(
  all: Component[],
  stopTimeoutMs: number,
  clean: boolean,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  for (const component of [...all].reverse()) {
    const outcome = await stopProcess(component.process, stopTimeoutMs, component.stopSignal);
    const words = {
      stopped: 'stopped',
      killed: `killed after ${stopTimeoutMs / 1000}s`,
      'not-running': 'was not running',
    };
    log(`${outcome === 'not-running' ? '·' : '✓'} ${component.name} ${words[outcome]}`);
    if (clean) {
      for (const dir of component.dataDirs) rmSync(dir, { recursive: true, force: true });
    }
  }
}
