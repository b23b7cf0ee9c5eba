import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createProduct,
  http,
  member,
  preparePipeline,
  type ServiceProcess,
  startApi,
  startStreamer,
} from '@outbox/e2e';
import {
  collectFromNow,
  endpoints,
  eventually,
  kafkaClient,
  metricsDrift,
  startGroupsAtEnd,
  uniqueName,
} from '@outbox/e2e';
import { repoRoot } from '@outbox/config';
import { Partitioners, type Producer } from 'kafkajs';
import { Client } from 'pg';

const DEFAULT_GROUPS = ['metrics', 'cache-invalidation'];

/**
 * The sequenced DLQ keeps an aggregate's order when the poison record arrives in the same batch
 * as valid records of the same aggregate, in both apply modes: the real api,
 * a poison record produced between its events, the real streamer, the operator's CLI.
 */
describe('dead-letter queue order within one batch', () => {
  let api: ServiceProcess;
  let producer: Producer;
  const streamerDb = new Client({ connectionString: endpoints.postgresUrl('streamer') });
  const dlqCli = join(repoRoot, 'streamer', 'src', 'dlq', 'cli.ts');

  beforeAll(async () => {
    await preparePipeline();
    api = await startApi();
    await streamerDb.connect();
    producer = kafkaClient('dlq-order').producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
  });
  afterAll(async () => {
    // The default groups must not inherit these poison records in later test files.
    await startGroupsAtEnd(DEFAULT_GROUPS);
    await producer.disconnect();
    await streamerDb.end();
    await api.kill('SIGTERM');
  });

  const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) => eventually(what, probe, 60_000);
  const parkedOf = async (group: string, aggregateId: string) =>
    (
      await streamerDb.query<{ id: string; offset: string; event_type: string | null; status: string }>(
        'SELECT id::text, "offset"::text, event_type, status FROM dead_letter WHERE consumer_group = $1 AND aggregate_id = $2 ORDER BY dead_letter.id',
        [group, aggregateId],
      )
    ).rows;
  const metricsOf = async (productId: string) => {
    const { rows } = await streamerDb.query<{ likes: string; clamped: string }>(
      'SELECT likes, clamped FROM product_metrics WHERE product_id = $1',
      [productId],
    );
    return { likes: Number(rows[0]?.likes ?? 0), clamped: Number(rows[0]?.clamped ?? 0) };
  };
  const dlq = (env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', dlqCli, ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });

  for (const mode of ['batch', 'single'] as const) {
    it(`${mode} mode: LIKE, poison, UNLIKE of one member keep their order; replay fails, discard releases; likes = truth`, async () => {
      // Groups of their own starting at the end, and no streamer until all three records are in
      // Kafka: it then receives them in ONE batch (the case that reordered them).
      const groups = { METRICS_GROUP_ID: uniqueName(`order-${mode}`), CACHE_GROUP_ID: uniqueName(`order-${mode}-c`) };
      await startGroupsAtEnd(Object.values(groups));
      const product = await createProduct(api, 10, 100, `Ordered ${mode}`);
      const seen = await collectFromNow(['catalog-events']);
      const inKafka = (n: number) => async () =>
        seen.records.filter((r) => r.key === product).length >= n ? true : undefined;
      expect((await http(api, 'POST', `/products/${product}/likes`, { headers: member('order-1') })).status).toBe(201);
      await waitFor('the LIKE in Kafka', inKafka(1)); // captured first, so the poison lands after it
      await producer.send({
        topic: 'catalog-events',
        acks: -1,
        messages: [
          {
            key: product,
            value: Buffer.from([0, 1, 0]),
            headers: { id: randomUUID(), eventType: 'PRODUCT_\u0000LIKED' },
          },
        ],
      });
      expect((await http(api, 'DELETE', `/products/${product}/likes`, { headers: member('order-1') })).status).toBe(
        200,
      );
      await waitFor('LIKE, poison and UNLIKE in Kafka', inKafka(3));
      await seen.stop();

      const streamer = await startStreamer({ ...groups, APPLY_MODE: mode, MAX_ATTEMPTS: '2', RETRY_BASE_MS: '20' });
      try {
        const parked = await waitFor('poison and UNLIKE parked', async () => {
          const rows = await parkedOf(groups.METRICS_GROUP_ID, product);
          return rows.length === 2 ? rows : undefined;
        });
        // Queue order is offset order; the LIKE before the poison was applied, never parked.
        expect(BigInt(parked[0]?.offset ?? 0)).toBeLessThan(BigInt(parked[1]?.offset ?? 0));
        expect(parked.map((r) => r.event_type)).toEqual([expect.stringMatching(/^hex:/), 'PRODUCT_UNLIKED']);
        await waitFor('LIKE applied', async () => ((await metricsOf(product)).likes === 1 ? true : undefined));

        expect(dlq(groups, 'replay', parked[0]?.id as string).stderr).toMatch(/failed again and stays parked/);
        expect(dlq(groups, 'replay', parked[1]?.id as string).stderr).toMatch(/waits behind/);
        expect(dlq(groups, 'discard', parked[0]?.id as string).stdout).toMatch(/released 1 record/);
        expect(await metricsOf(product)).toEqual({ likes: 0, clamped: 0 });
        expect(await metricsDrift([product])).toEqual([]);
        expect((await parkedOf(groups.METRICS_GROUP_ID, product)).map((r) => r.status)).toEqual([
          'discarded',
          'replayed',
        ]);
      } finally {
        await streamer.kill('SIGTERM');
      }
    });
  }
});
