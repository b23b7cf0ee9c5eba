import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import {
  createProduct,
  endpoints,
  eventually,
  expectNoDrift,
  http,
  member,
  preparePipeline,
  queryDb,
  type ServiceProcess,
  startApi,
  startStreamer,
} from '@outbox/e2e';

/** The whole pipeline: api over HTTP -> outbox -> Debezium -> Kafka -> streamer -> metrics and cache. */
describe('streamer applies the events of the api', () => {
  let streamer: ServiceProcess;
  let api: ServiceProcess;
  const redis = new Redis(endpoints.redisUrl);

  beforeAll(async () => {
    await preparePipeline();
    streamer = await startStreamer();
    process.env.STREAMER_URL = streamer.url;
    api = await startApi();
  });
  afterAll(async () => {
    await api.kill('SIGTERM');
    redis.disconnect();
    await streamer.kill('SIGTERM');
  });

  it('counts likes, views and sales, and the api reads them back', async () => {
    const sold = 3;
    const productId = await createProduct(api, 50, 100);
    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('p-1') });
    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('p-2') });
    await http(api, 'DELETE', `/products/${productId}/likes`, { headers: member('p-2') });
    await http(api, 'POST', `/products/${productId}/views`);
    const kept = await http(api, 'POST', '/orders', {
      headers: member('p-1'),
      body: { items: [{ productId, quantity: sold }] },
    });
    const failed = await http(api, 'POST', '/orders', {
      headers: member('p-2'),
      body: { items: [{ productId, quantity: 2 }] },
    });
    await http(api, 'POST', `/orders/${failed.body.id as string}/payment`, {
      body: { result: 'failed', reason: 'declined' },
    });
    expect(kept.status).toBe(201);

    await expectNoDrift([productId]);
    const metrics = await http(api, 'GET', `/products/${productId}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatchObject({ productId, likes: 1, views: 1, sales: sold });
    // The ranking as the streamer's table orders it. The shared test database holds the products
    // of earlier suites, and this suite's streamer (default groups) may still apply their events:
    // the api's answer and the table are compared until one reading of each agrees.
    const [ranking, ranked] = await eventually('the api ranking to match product_metrics', async () => {
      const api100 = await http<{ items: { productId: string }[] }>(api, 'GET', '/rankings?by=sales&limit=100');
      const table = await queryDb<{ product_id: string }>(
        'streamer',
        'SELECT product_id FROM product_metrics ORDER BY sales DESC, product_id ASC LIMIT 100',
      );
      const ids = api100.body.items.map((i) => i.productId);
      return api100.status === 200 && ids.join() === table.map((r) => r.product_id).join() ? [ids, table] : undefined;
    });
    expect(ranking).toHaveLength(ranked.length);
    // Ahead of this product: more sales, or as many with a smaller id (the ranking's tie-break).
    const [ahead] = await queryDb<{ n: string }>(
      'streamer',
      'SELECT count(*) AS n FROM product_metrics WHERE sales > $1 OR (sales = $1 AND product_id < $2)',
      [sold, productId],
    );
    if (Number(ahead?.n ?? 0) < 100) expect(ranking).toContain(productId);
  });

  it('a product no event reached has zero counters; an unknown product is 404', async () => {
    const productId = await createProduct(api);
    expect((await http(api, 'GET', `/products/${productId}/metrics`)).body).toEqual({
      productId,
      likes: 0,
      views: 0,
      sales: 0,
      updatedAt: null,
    });
    expect((await http(api, 'GET', `/products/${randomUUID()}/metrics`)).status).toBe(404);
  });

  it('invalidates the cached product when its stock changes, and the lists when it sells out', async () => {
    const productId = await createProduct(api, 2, 500, 'Cache me');
    await http(api, 'GET', '/products?page=1&size=5&sort=price_desc');
    const first = await http(api, 'GET', `/products/${productId}`);
    const cached = await http(api, 'GET', `/products/${productId}`);
    expect([first.headers.get('x-cache'), cached.headers.get('x-cache'), cached.body.stock]).toEqual([
      'MISS',
      'HIT',
      2,
    ]);

    await http(api, 'POST', '/orders', { headers: member('c-1'), body: { items: [{ productId, quantity: 1 }] } });
    await eventually('product:{id} dropped', async () =>
      (await redis.exists(`product:${productId}`)) === 0 ? true : undefined,
    );
    const fresh = await http(api, 'GET', `/products/${productId}`);
    expect([fresh.headers.get('x-cache'), fresh.body.stock]).toEqual(['MISS', 1]);

    await http(api, 'GET', '/products?page=1&size=5&sort=price_desc');
    expect(await redis.exists('products:price_desc:1:5')).toBe(1);
    await http(api, 'POST', '/orders', { headers: member('c-2'), body: { items: [{ productId, quantity: 1 }] } });
    await eventually('the product lists dropped after the sell-out', async () =>
      (await redis.exists('products:price_desc:1:5')) === 0 ? true : undefined,
    );
    expect((await http(api, 'GET', `/products/${productId}`)).body.stock).toBe(0);
  });

  it('reports ready with its group memberships, and Prometheus metrics', async () => {
    const ready = await (await fetch(`${streamer.url}/ready`)).json();
    expect(ready).toEqual({
      status: 'ready',
      checks: { database: 'ok', redis: 'ok', 'kafka group metrics': 'ok', 'kafka group cache-invalidation': 'ok' },
    });
    const text = await (await fetch(`${streamer.url}/metrics`)).text();
    expect(text).toMatch(/streamer_events_applied_total\{group="metrics",event_type="PRODUCT_LIKED"\} \d+/);
    expect(text).toContain('streamer_batch_duration_seconds_bucket');
  });
});
