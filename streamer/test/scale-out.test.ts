import {
  endpoints,
  expectNoDrift,
  kafkaClient,
  preparePipeline,
  runWorkload,
  type ServiceProcess,
  startService,
  startStreamer,
} from '@outbox/e2e';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

/**
 * Two streamers in the same groups split the partitions; one is SIGKILLed in the middle of a
 * 10,000-event workload; the other takes its partitions over, and the counters still equal
 * the ground truth computed from the commerce database.
 */
describe('scale-out and failover under load', () => {
  let api: ServiceProcess;
  let stopWorkload = false;
  const afterAllCleanups: (() => Promise<void>)[] = [];
  const streamers: ServiceProcess[] = [];

  beforeAll(async () => {
    await preparePipeline();
    api = await startService('api', {});
  });
  afterAll(async () => {
    stopWorkload = true;
    for (const cleanup of afterAllCleanups) await cleanup();
    await Promise.all(streamers.map((s) => s.kill('SIGKILL')));
    await api.kill('SIGTERM');
  });

  it('keeps the counters right through a SIGKILL of one of two streamers', async () => {
    const productIds: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const res = await fetch(`${api.url}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `load-${i}`, price: 100 + i, stock: 1_000_000 }),
      });
      productIds.push(((await res.json()) as { id: string }).id);
    }
    streamers.push(await startStreamer(), await startStreamer());

    const admin = kafkaClient('scale-out').admin();
    await admin.connect();
    afterAllCleanups.push(() => admin.disconnect());
    const members = async () => (await admin.describeGroups(['metrics'])).groups[0]?.members ?? [];
    // Exactly our two: a member of an earlier, killed process lingers until its session times out.
    for (let i = 0; i < 120 && (await members()).length !== 2; i += 1) await sleep(500);
    expect((await members()).length).toBe(2);

    let killedAt = 0;
    const workload = runWorkload({
      apiUrl: api.url,
      productIds,
      members: 200,
      operations: 9_500,
      concurrency: 16,
      seed: 20261127,
      shouldStop: () => stopWorkload,
    });
    const killer = (async () => {
      await sleep(8_000);
      killedAt = Date.now();
      await streamers[0]?.kill('SIGKILL');
    })();
    const report = await workload;
    await killer;
    expect(killedAt).toBeGreaterThan(0);
    expect(report.transportErrors).toBe(0);
    expect(report.byStatus['500'] ?? 0).toBe(0);

    const commerce = new Client({ connectionString: endpoints.postgresUrl('commerce') });
    await commerce.connect();
    const orderIds = (
      await commerce.query<{ id: string }>(
        'SELECT DISTINCT order_id AS id FROM order_items WHERE product_id = ANY($1::uuid[])',
        [productIds],
      )
    ).rows.map((r) => r.id);
    const events = Number(
      (
        await commerce.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE aggregateid = ANY($1)', [
          [...productIds, ...orderIds],
        ])
      ).rows[0]?.n,
    );
    await commerce.end();
    expect(events).toBeGreaterThanOrEqual(10_000);

    await expectNoDrift(productIds, 240_000);
    expect((await members()).length).toBe(1); // the survivor owns every partition
    const survivorMetrics = await fetch(`${streamers[1]?.url}/metrics`).then((r) => r.text());
    const applied = [
      ...survivorMetrics.matchAll(/streamer_events_applied_total\{group="metrics",[^}]*\} (\d+)/g),
    ].reduce((s, m) => s + Number(m[1]), 0);
    expect(applied).toBeGreaterThan(0);
  }, 600_000);
});
