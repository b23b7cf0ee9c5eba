import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CONSUMER_SESSION_MS, repoRoot, messageOf } from '@outbox/config';
import { stack } from './stack-under-test';
import { eventually } from './wait';

/**
 * The consumer session of the streamers that tests and runs start: the cluster's
 * (CONSUMER_SESSION_MS, 3 s), else 6 s, the single broker's minimum, so that a SIGKILLed
 * streamer's partitions move sooner than with the service's 10 s.
 */
export const STREAMER_SESSION_MS = stack.topology === 'cluster' ? CONSUMER_SESSION_MS.cluster : 6000;

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the signal or exit code when the process ends. */
  exited: Promise<NodeJS.Signals | number | null>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<NodeJS.Signals | number | null>;
}

/**
 * Runs a service (api or streamer) as a real child process, the way `npm start` does, and
 * waits until its /ready answers 200 (unless waitReady is false).
 */
export async function startService(
  name: 'api' | 'streamer',
  env: Record<string, string>,
  options: { waitReady?: boolean; readyTimeoutMs?: number; port?: number } = {},
): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const portVar = name === 'api' ? 'API_PORT' : 'STREAMER_PORT';
  // node itself (tsx as a loader, not the tsx wrapper), so a signal reaches the service's own process.
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, name, 'src', 'server.ts')], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, [portVar]: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    url,
    child,
    exited,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (options.waitReady !== false) {
    let ended = false;
    void exited.then(() => (ended = true));
    await eventually(
      `${name} ready at ${url}`,
      async () => {
        if (ended) throw new Error(`${name} exited during start-up:\n${output}`);
        const res = await fetch(`${url}/ready`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      options.readyTimeoutMs ?? 60_000,
    ).catch(async (err: unknown) => {
      await service.kill('SIGKILL');
      throw new Error(`${messageOf(err)}\n${name} output:\n${output.slice(-4000)}`);
    });
  }
  return service;
}

/** The real streamer, as a child process (so tests can SIGKILL it). */
export function startStreamer(
  env: Record<string, string> = {},
  options: { waitReady?: boolean } = {},
): Promise<ServiceProcess> {
  return startService('streamer', { KAFKA_SESSION_TIMEOUT_MS: String(STREAMER_SESSION_MS), ...env }, options);
}

/** The real api, as a child process: what a client of the pipeline talks to. */
export function startApi(env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startService('api', env);
}
