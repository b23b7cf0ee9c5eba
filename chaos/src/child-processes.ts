import { startService, type ServiceProcess } from '@outbox/e2e';

/**
 * The api and the streamer of a chaos run, as processes the fault injector can kill and start
 * again; plus, for the rebalance storm, a second streamer with the same consumer groups.
 */
export class Services {
  api?: ServiceProcess;
  streamer?: ServiceProcess;
  /** The second member of the run's groups while a rebalance storm has one running. */
  extraStreamer?: ServiceProcess;

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

  /** A second streamer joins the run's groups (a rebalance), ready when its /ready answers. */
  async startExtraStreamer(): Promise<ServiceProcess> {
    this.extraStreamer = await startService('streamer', this.streamerEnv, { readyTimeoutMs: 120_000 });
    return this.extraStreamer;
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
    await Promise.all([this.api?.kill('SIGTERM'), this.streamer?.kill('SIGTERM'), this.extraStreamer?.kill('SIGTERM')]);
  }
}
