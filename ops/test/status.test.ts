import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ConnectClient, loadConnector } from '@outbox/connect';
import {
  endpoints,
  eventually,
  kafkaClient,
  stack,
  startGroupsAtEnd,
  uniqueName,
  createProduct,
  freePort,
  http,
  member,
  preparePipeline,
  type ServiceProcess,
  startApi,
  startStreamer,
} from '@outbox/e2e';
import { repoRoot } from '@outbox/config';
import { Client } from 'pg';
import { loadStatusConfig, pipelineStatus, type StatusConfig, type StatusReport } from '../src';

jest.setTimeout(180_000);

/** `npm run status` against the real stack: one test per verdict. */
describe('pipeline status', () => {
  const groups = { metrics: uniqueName('status-metrics'), cacheInvalidation: uniqueName('status-cache') };
  const groupEnv = { METRICS_GROUP_ID: groups.metrics, CACHE_GROUP_ID: groups.cacheInvalidation };
  const config: StatusConfig = { ...loadStatusConfig(), groups };
  let api: ServiceProcess;
  let streamer: ServiceProcess | undefined;

  /** The command as an operator runs it: its exit code and its JSON report. */
  const runCli = (extraEnv: Record<string, string> = {}): { code: number | null; report: StatusReport } => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'ops/src/cli.ts'), '--json'], {
      cwd: repoRoot,
      env: { ...process.env, ...groupEnv, ...extraEnv },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: result.status, report: JSON.parse(result.stdout) as StatusReport };
  };
  const statusUntil = (
    what: string,
    accept: (r: StatusReport) => boolean,
    statusConfig: StatusConfig = config,
  ): Promise<StatusReport> => {
    let last: StatusReport | undefined;
    return eventually(
      what,
      async () => {
        last = await pipelineStatus(statusConfig);
        return accept(last) ? last : undefined;
      },
      90_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last reasons: ${JSON.stringify(last?.reasons)}`);
    });
  };

  beforeAll(async () => {
    await preparePipeline();
    await startGroupsAtEnd(Object.values(groups));
    api = await startApi();
  });
  afterAll(async () => {
    await streamer?.kill('SIGTERM');
    await api.kill('SIGTERM');
  });

  it('healthy: connector running, slot active, groups caught up with members, no dead letter (exit 0)', async () => {
    streamer = await startStreamer(groupEnv);
    const report = await statusUntil('a healthy verdict', (r) => r.verdict === 'healthy', {
      ...config,
      streamerUrl: streamer.url,
    });
    expect(report.reasons).toEqual([]);
    expect(report.connector).toMatchObject({ ok: true, state: 'RUNNING' });
    expect(report.replicationSlot).toMatchObject({ ok: true, exists: true, active: true });
    // The real streamer's /metrics was read: no group waits for a dependency; no counter was clamped.
    expect(report.streamer).toMatchObject({ ok: true, waiting: [] });
    expect(report.clamps).toMatchObject({ ok: true });
    expect(report.stalled).toEqual([]);
    const cli = runCli({ STREAMER_URL: streamer.url });
    expect(cli.report.groups).toMatchObject({ ok: true });
    expect(cli.report.streamer).toMatchObject({ ok: true });
    expect([cli.code, cli.report.verdict, cli.report.reasons, cli.report.findings]).toEqual([0, 'healthy', [], []]);

    // A Connect cluster with its first worker gone: the status asks the next one (CONNECT_URL is a list).
    const deadWorker = `http://127.0.0.1:${await freePort()}`;
    const failover = runCli({ STREAMER_URL: streamer.url, CONNECT_URL: `${deadWorker},${endpoints.connectUrl}` });
    expect(failover.report.connector).toMatchObject({ ok: true, state: 'RUNNING' });
    expect([failover.code, failover.report.verdict]).toEqual([0, 'healthy']);
    const alone = runCli({ STREAMER_URL: streamer.url, CONNECT_URL: deadWorker });
    expect(alone.report.connector).toMatchObject({ ok: false });
    expect(alone.code).toBe(1);
  });

  it('degraded: the consumer stopped while events arrive, so its lag grows (exit 1)', async () => {
    await streamer?.kill('SIGTERM');
    streamer = undefined;
    const productId = await createProduct(api);
    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('status-1') });
    await http(api, 'POST', `/products/${productId}/views`);

    const lagOf = (r: StatusReport) =>
      r.groups.ok ? (r.groups.items.find((g) => g.groupId === groups.metrics)?.lag ?? 0) : 0;
    const report = await statusUntil('the stopped group to lag', (r) => lagOf(r) >= 2);
    expect(report.reasons).toContain(
      `consumer group ${groups.metrics} has no active member and ${lagOf(report)} records waiting`,
    );
    expect(report.findings).toContainEqual({
      component: 'groups',
      code: 'GROUP_NO_MEMBER',
      text: `consumer group ${groups.metrics} has no active member and ${lagOf(report)} records waiting`,
    });
    expect(report.verdict).toBe('degraded');
    const metricsGroup = report.groups.ok ? report.groups.items.find((g) => g.groupId === groups.metrics) : undefined;
    expect(metricsGroup?.members).toBe(0);
    const cli = runCli();
    expect([cli.code, cli.report.verdict]).toEqual([1, 'degraded']);
    // The JSON output gives each reason its code and hop beside its text.
    expect(cli.report.reasons).toEqual(cli.report.findings.map((f) => f.text));
    expect(cli.report.findings).toContainEqual(
      expect.objectContaining({ component: 'groups', code: 'GROUP_NO_MEMBER' }),
    );
  });

  it('degraded: a record is parked in the dead-letter queue', async () => {
    streamer = await startStreamer(groupEnv);
    const producer = kafkaClient('status-poison').producer();
    await producer.connect();
    await producer.send({
      topic: 'catalog-events',
      acks: -1,
      messages: [
        {
          key: randomUUID(),
          value: Buffer.from('not avro'),
          headers: { id: randomUUID(), eventType: 'PRODUCT_LIKED' },
        },
      ],
    });
    await producer.disconnect();

    // Both groups read catalog-events and park the record, each in its own time.
    const report = await statusUntil('the parked record to show for both groups', (r) =>
      Object.values(groups).every((group) =>
        r.reasons.includes(`1 record(s) parked in the DLQ of catalog-events for group ${group}`),
      ),
    );
    expect(report.verdict).toBe('degraded');
    expect(report.findings).toContainEqual({
      component: 'effects',
      code: 'DLQ_WAITING',
      text: `1 record(s) parked in the DLQ of catalog-events for group ${groups.metrics}`,
    });
    expect(report.deadLetters).toMatchObject({ ok: true, waiting: 2 }); // one per group
  });

  it('degraded: a connector task FAILED, with its trace', async () => {
    // A second connector pointed at a publication that does not exist: its task fails at start.
    const broken = uniqueName('status-broken');
    const slot = broken.replace(/[^a-z0-9_]/g, '_');
    const connect = new ConnectClient(endpoints.connectUrl, endpoints.connectLogin);
    const base = loadConnector(stack).config;
    await connect.putConfig(broken, {
      ...base,
      'slot.name': slot,
      'publication.name': `${slot}_dropped`,
      'topic.prefix': broken,
    } as Record<string, string>);
    try {
      const report = await statusUntil(
        'the failed task to show',
        (r) => r.reasons.some((reason) => reason.startsWith(`connector ${broken} task 0 is FAILED`)),
        { ...config, connectorName: broken },
      );
      expect(report.verdict).toBe('degraded');
      expect(report.connector.ok && report.connector.tasks[0]?.trace).toBeTruthy();
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          component: 'connect',
          code: 'TASK_FAILED',
          text: expect.stringMatching(new RegExp(`^connector ${broken} task 0 is FAILED`)),
        }),
      );
    } finally {
      await connect.delete(broken);
      const pg = new Client({ connectionString: endpoints.postgresUrl('commerce') });
      await pg.connect();
      await pg.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
        [slot],
      );
      await pg.end();
    }
  });
});
