import { killServer, startServer, startService, type ServiceProcess } from '@outbox/e2e';

/** What a chaos run may kill: two servers of the stack, two services of ours. */
export const FAULT_TARGETS = ['connect', 'streamer', 'kafka', 'api'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

/** The api and the streamer, as processes the fault injector can kill and start again. */
export class Services {
  api?: ServiceProcess;
  streamer?: ServiceProcess;

  constructor(
    private readonly apiPort: number,
    private readonly apiEnv: Record<string, string>,
    private readonly streamerEnv: Record<string, string>,
  ) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  async startStreamer(): Promise<void> {
    this.streamer = await startService('streamer', this.streamerEnv, { readyTimeoutMs: 120_000 });
  }

  async startApi(): Promise<void> {
    const streamerUrl = this.streamer?.url ?? '';
    this.api = await startService(
      'api',
      { ...this.apiEnv, STREAMER_URL: streamerUrl },
      { port: this.apiPort, readyTimeoutMs: 120_000 },
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.api?.kill('SIGTERM'), this.streamer?.kill('SIGTERM')]);
  }
}

/** SIGKILL, as a crash or an OOM kill would do it: no shutdown hook runs. */
export async function kill(target: FaultTarget, services: Services): Promise<void> {
  if (target === 'api') await services.api?.kill('SIGKILL');
  else if (target === 'streamer') await services.streamer?.kill('SIGKILL');
  else killServer(target);
}

/** Starts the target again and waits until it reports healthy (servers) or ready (services). */
export async function restart(target: FaultTarget, services: Services): Promise<void> {
  if (target === 'api') await services.startApi();
  else if (target === 'streamer') await services.startStreamer();
  else await startServer(target);
}
