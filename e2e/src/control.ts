import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '@outbox/config';
import { loadVersions, runningPid, stackComponents, stopProcess, up, type Component } from '@outbox/stack';
import { stack } from './stack-under-test';

/**
 * Stops and starts real servers of the stack under test, for restart and crash tests: the
 * native launcher's processes, or the compose containers when STACK_MODE=compose.
 */
const compose = process.env.STACK_MODE === 'compose';

function component(name: string): Component {
  const found = stackComponents({ config: stack, versions: loadVersions() }).find((c) => c.name === name);
  if (!found) throw new Error(`no stack component "${name}"`);
  return found;
}

/** Kills a server the hard way (SIGKILL), as a crash would. */
export function killServer(name: string): void {
  if (compose) {
    runCompose(['kill', '-s', 'SIGKILL', name]);
    return;
  }
  const pid = runningPid(component(name).process);
  if (pid === undefined) throw new Error(`${name} is not running`);
  process.kill(pid, 'SIGKILL');
}

/**
 * How a server is stopped: `graceful` sends its own stop signal (PostgreSQL: SIGINT, a fast
 * shutdown that rolls back open transactions and checkpoints) and waits for it to exit;
 * `crash` SIGKILLs it and its child processes (for PostgreSQL every backend too, so the next
 * start runs crash recovery, as after a power loss or an OOM kill of the container).
 */
export type StopMode = 'graceful' | 'crash';

/** Stops a server and returns once it is gone (a later startServer brings it back). */
export async function stopServer(name: string, mode: StopMode = 'graceful'): Promise<void> {
  if (compose) {
    runCompose(mode === 'crash' ? ['kill', '-s', 'SIGKILL', name] : ['stop', name]);
    return;
  }
  const c = component(name);
  if (mode === 'graceful') {
    await stopProcess(c.process, stack.stopTimeoutMs, c.stopSignal);
    return;
  }
  const pid = runningPid(c.process);
  if (pid === undefined) throw new Error(`${name} is not running`);
  // Children first listed, then killed with it: PostgreSQL's backends lead sessions of their own.
  const children = childrenOf(pid);
  for (const p of [pid, ...children]) signal(p, 'SIGKILL');
  // Gone for good, not a zombie: PostgreSQL refuses to start while the pid in its lock file answers.
  await waitFor(`${name} (pid ${pid}) to be reaped`, () => !exists(pid));
  await waitFor(`the processes of ${name} to exit`, () => children.every((p) => !isRunning(p)));
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    /* already gone */
  }
}

/** The pid answers signal 0 (a zombie does too). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Running: it exists and is not a zombie. */
function isRunning(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Direct children of a process, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return children;
}

async function waitFor(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Starts a server again and waits until it is healthy. */
export async function startServer(name: string): Promise<void> {
  if (compose) {
    runCompose(['up', '--detach', '--wait', name]);
    return;
  }
  const all = stackComponents({ config: stack, versions: loadVersions() });
  await up(all, stack.startTimeoutMs, [name]);
}

function runCompose(args: string[]): void {
  const result = spawnSync('docker', ['compose', '-p', 'outbox-e2e', '-f', 'docker-compose.yml', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`docker compose ${args.join(' ')} failed: ${result.stderr}`);
}

export { cacheDrift, type CacheDrift } from './product-cache';
