import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server process started by the launcher, tracked by a pid file so later commands find it. */
export interface ManagedProcess {
  name: string;
  pidFile: string;
  logFile: string;
}

export interface StartOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user (only when the launcher runs as root, e.g. PostgreSQL refuses root). */
  uid?: number;
  gid?: number;
}

export function managedProcess(runDir: string, logDir: string, name: string): ManagedProcess {
  return { name, pidFile: join(runDir, `${name}.pid`), logFile: join(logDir, `${name}.log`) };
}

/**
 * The command that starts a server: `nice -n <niceness> <command> <args>` when a niceness is set
 * (STACK_NICE; the cluster topology's default is 10, so its many servers yield the CPU to other
 * work on a small machine), the bare command otherwise. nice execs the server: the pid stays
 * the server's.
 */
export function niced(niceness: number, command: string, args: string[]): { command: string; args: string[] } {
  return niceness > 0 ? { command: 'nice', args: ['-n', String(niceness), command, ...args] } : { command, args };
}

/** Starts a detached server whose stdout and stderr append to its log file; returns its pid. */
export function startDetached(proc: ManagedProcess, opts: StartOptions): number {
  mkdirSync(dirname(proc.pidFile), { recursive: true });
  mkdirSync(dirname(proc.logFile), { recursive: true });
  const log = openSync(proc.logFile, 'a');
  try {
    writeFileSync(log, `\n==== ${new Date().toISOString()} starting ${opts.command} ${opts.args.join(' ')}\n`);
    const options: SpawnOptions = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    };
    if (opts.uid !== undefined) options.uid = opts.uid;
    if (opts.gid !== undefined) options.gid = opts.gid;
    const child = spawn(opts.command, opts.args, options);
    if (child.pid === undefined) throw new Error(`could not start ${opts.command}`);
    child.unref();
    writeFileSync(proc.pidFile, String(child.pid));
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function readPid(proc: ManagedProcess): number | undefined {
  if (!existsSync(proc.pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(proc.pidFile, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to another user (e.g. postgres started as its own user).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie still answers signal 0; /proc tells whether it has really exited.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/** The pid from the pid file when that process is still running. */
export function runningPid(proc: ManagedProcess): number | undefined {
  const pid = readPid(proc);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/**
 * Stops a server: the graceful signal first, SIGKILL after the timeout.
 * Returns how it ended, or 'not-running'.
 */
export async function stopProcess(
  proc: ManagedProcess,
  timeoutMs: number,
  gracefulSignal: NodeJS.Signals = 'SIGTERM',
): Promise<'stopped' | 'killed' | 'not-running'> {
  const pid = runningPid(proc);
  if (pid === undefined) {
    rmSync(proc.pidFile, { force: true });
    return 'not-running';
  }
  signalGroup(pid, gracefulSignal);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      rmSync(proc.pidFile, { force: true });
      return 'stopped';
    }
    await sleep(200);
  }
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(100);
  rmSync(proc.pidFile, { force: true });
  return 'killed';
}

/** Signals the whole process group (servers started detached lead their own group). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The last lines of a log file, for error messages. */
export function tailOf(file: string, lines = 15): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trimEnd();
  return text.split('\n').slice(-lines).join('\n');
}

/** Polls a health check until it passes or the deadline is reached. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  stillWorthWaiting: () => boolean = () => true,
  intervalMs = 500,
): Promise<'ok' | 'timeout' | 'gave-up'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return 'ok';
    if (!stillWorthWaiting()) return 'gave-up';
    await sleep(intervalMs);
  }
  return 'timeout';
}
