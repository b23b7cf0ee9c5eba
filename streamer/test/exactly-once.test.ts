import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import {
  createProduct,
  endpoints,
  eventually,
  expectNoDrift,
  http,
  kafkaClient,
  member,
  preparePipeline,
  queryDb,
  type ServiceProcess,
  startApi,
  startGroupsAtEnd,
  startStreamer,
} from '@outbox/e2e';
import { Client } from 'pg';

jest.setTimeout(240_000);

/** At-least-once delivery, effectively-once effect (docs/guarantees.md). */
describe('exactly once in effect', () => {
  let api: ServiceProcess;
  const streamerDb = new Client({ connectionString: endpoints.postgresUrl('streamer') });
  const redis = new Redis(endpoints.redisUrl);

  beforeAll(async () => {
    await preparePipeline();
    api = await startApi();
    await streamerDb.connect();
  });
  afterAll(async () => {
    await streamerDb.end();
    redis.disconnect();
    await api.kill('SIGTERM');
  });

  const handledCount = async (group: string, eventIds: string[]): Promise<number> =>
    Number(
      (
        await streamerDb.query<{ n: string }>(
          'SELECT count(*) AS n FROM event_handled WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])',
          [group, eventIds],
        )
      ).rows[0]?.n,
    );
  const outboxIds = async (aggregateIds: string[]): Promise<string[]> =>
    (
      await queryDb<{ id: string }>('commerce', 'SELECT id FROM outbox WHERE aggregateid = ANY($1)', [aggregateIds])
    ).map((r) => r.id);

  const running: ServiceProcess[] = [];
  const start = async (env: Record<string, string> = {}, options: { waitReady?: boolean } = {}) => {
    const s = await startStreamer(env, options);
    running.push(s);
    return s;
  };
  // A failed test must not leave a streamer consuming behind the next one's back.
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.kill('SIGTERM')));
  });

  it('the same records delivered again (offsets reset to the beginning) change no count', async () => {
    let streamer: ServiceProcess = await start();
    const products = [await createProduct(api, 100), await createProduct(api, 100)];
    for (const p of products) {
      await http(api, 'POST', `/products/${p}/likes`, { headers: member('dup-1') });
      await http(api, 'POST', `/products/${p}/views`);
      await http(api, 'POST', '/orders', {
        headers: member('dup-1'),
        body: { items: [{ productId: p, quantity: 2 }] },
      });
    }
    await expectNoDrift(products);
    await streamer.kill('SIGTERM');

    const admin = kafkaClient('reset').admin();
    await admin.connect();
    for (const topic of ['catalog-events', 'order-events'])
      await admin.resetOffsets({ groupId: 'metrics', topic, earliest: true });
    await admin.disconnect();

    streamer = await start();
    const restarted = streamer;
    // Everything is delivered again: at least this test's six events come back as duplicates.
    const duplicates = await eventually(
      'the redelivered events skipped as duplicates',
      async () => {
        const text = await (await fetch(`${restarted.url}/metrics`)).text();
        const matches = [...text.matchAll(/streamer_events_duplicate_total\{group="metrics",[^}]*\} (\d+)/g)];
        const total = matches.reduce((sum, m) => sum + Number(m[1]), 0);
        return total >= 6 ? total : undefined;
      },
      120_000,
    );
    expect(duplicates).toBeGreaterThanOrEqual(6);
    await expectNoDrift(products, 5_000);
    await streamer.kill('SIGTERM');
  });

  it('a streamer killed between the database commit and the offset commit applies nothing twice', async () => {
    // Groups of their own that start at the end of the topics, so the first batch of the
    // crashing run holds exactly this test's events.
    const groups = { METRICS_GROUP_ID: `crash-${randomUUID()}`, CACHE_GROUP_ID: `crash-cache-${randomUUID()}` };
    await startGroupsAtEnd(Object.values(groups));
    const product = await createProduct(api, 100);
    for (let i = 0; i < 5; i += 1)
      await http(api, 'POST', `/products/${product}/views`, { headers: member(`crash-${i}`) });
    await http(api, 'POST', `/products/${product}/likes`, { headers: member('crash-0') });
    const ids = await outboxIds([product]);

    const crashing = await start({ ...groups, STREAMER_CRASH_AFTER_DB_COMMIT: 'true' }, { waitReady: false });
    expect(await crashing.exited).toBe('SIGKILL');
    // The effect committed before the kill, the offset did not: the batch will come again.
    expect(await handledCount(groups.METRICS_GROUP_ID, ids)).toBeGreaterThan(0);

    const streamer = await start(groups);
    await expectNoDrift([product]);
    await eventually('every event handled', async () =>
      (await handledCount(groups.METRICS_GROUP_ID, ids)) === ids.length ? true : undefined,
    );
    expect(await handledCount(groups.METRICS_GROUP_ID, ids)).toBe(ids.length);
    await streamer.kill('SIGTERM');
  });

  it('like/unlike/like sequences for 50 products from concurrent clients end with the right like counts', async () => {
    const streamer = await start();
    const products = await Promise.all(Array.from({ length: 50 }, () => createProduct(api, 10)));
    const sequence = ['POST', 'DELETE', 'POST', 'DELETE', 'POST'] as const;
    // Three members per product, each playing the sequence, all clients interleaved.
    await Promise.all(
      products.flatMap((p, i) =>
        [0, 1, 2].map(async (m) => {
          const steps = m === 2 ? sequence.slice(0, 4) : sequence; // the third member ends unliked
          for (const method of steps)
            await http(api, method, `/products/${p}/likes`, { headers: member(`seq-${i}-${m}`) });
        }),
      ),
    );
    await expectNoDrift(products);
    const { rows } = await streamerDb.query<{ likes: string }>(
      'SELECT likes FROM product_metrics WHERE product_id = ANY($1::uuid[])',
      [products],
    );
    expect(rows.map((r) => Number(r.likes))).toEqual(Array(50).fill(2));
    await streamer.kill('SIGTERM');
  });

  it('groups are independent: one group having handled an event never makes the other skip it', async () => {
    const product = await createProduct(api, 10, 100, 'Independent');
    await http(api, 'POST', `/products/${product}/likes`, { headers: member('ind') });
    await http(api, 'POST', '/orders', {
      headers: member('ind'),
      body: { items: [{ productId: product, quantity: 1 }] },
    });
    const rows = await queryDb<{ id: string; type: string }>(
      'commerce',
      'SELECT id, type FROM outbox WHERE aggregateid = $1',
      [product],
    );
    const liked = rows.find((r) => r.type === 'PRODUCT_LIKED')?.id as string;
    const decreased = rows.find((r) => r.type === 'STOCK_DECREASED')?.id as string;
    // Pretend each group had handled an event: the cache group the like (which only metrics acts
    // on), the metrics group the stock change (which both act on). Each group's inbox is its own.
    await streamerDb.query(
      "INSERT INTO event_handled (consumer_group, event_id) VALUES ('cache-invalidation', $1), ('metrics', $2)",
      [liked, decreased],
    );
    await redis.set(`product:${product}`, '{"stale":true}');

    const streamer = await start();
    await eventually('the metrics group applied the like', async () =>
      (await handledCount('metrics', [liked])) === 1 ? true : undefined,
    );
    const [metrics] = await queryDb<{ likes: string; sales: string }>(
      'streamer',
      'SELECT likes, sales FROM product_metrics WHERE product_id = $1',
      [product],
    );
    // The like counted although the cache group "had" it; the sale skipped, as metrics' own inbox says.
    expect(metrics).toEqual({ likes: '1', sales: '0' });
    await eventually('the cache group dropped product:{id}', async () =>
      (await redis.exists(`product:${product}`)) === 0 ? true : undefined,
    );
    expect(await handledCount('cache-invalidation', [decreased])).toBe(1);
    await streamer.kill('SIGTERM');
  });
});
