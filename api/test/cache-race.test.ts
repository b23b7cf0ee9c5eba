import { randomUUID } from 'node:crypto';
import { applyMigrations, createStreamerClient, streamerMigrationsDir, type CommerceClient } from '@outbox/db';
import { endpoints } from '@outbox/e2e';
import type { CommerceEvent } from '@outbox/events';
import Redis from 'ioredis';
import { CacheInvalidationHandler } from '@outbox/streamer';
import { ProductCache } from '../src/cache/product-cache';
import type { OutboxWriter } from '../src/outbox/outbox-writer';
import { ProductService, type ProductDto } from '../src/services/products';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

/**
 * docs/guarantees.md: a reader that read the database before a change cannot write
 * its stale copy over the invalidation of that change. The race is driven deterministically:
 * the api's real ProductService and ProductCache read through a database whose read, between
 * returning the row and the cache fill, lets an order commit and the streamer's real
 * CacheInvalidationHandler apply that order's STOCK_DECREASED event (from the outbox row).
 */
describe('a stale cache fill cannot undo an invalidation', () => {
  let api: TestApi;
  let streamerDb: ReturnType<typeof createStreamerClient>;
  let handler: CacheInvalidationHandler;
  beforeAll(async () => {
    api = await startTestApi();
    const streamerUrl = endpoints.postgresUrl('streamer');
    await applyMigrations({ databaseUrl: streamerUrl, migrationsDir: streamerMigrationsDir });
    streamerDb = createStreamerClient(streamerUrl);
    // A group of its own: the inbox rows of this test never meet the real group's.
    handler = new CacheInvalidationHandler(`cache-race-${randomUUID()}`, streamerDb, api.redis);
  });
  afterAll(async () => {
    await streamerDb.$disconnect();
    await api.close();
  });

  /** Orders `quantity` of the product over HTTP and returns its STOCK_DECREASED event, as the outbox holds it. */
  const orderAndEvent = async (productId: string, quantity: number): Promise<CommerceEvent> => {
    const order = await http(api, 'POST', '/orders', {
      headers: member('race'),
      body: { items: [{ productId, quantity }] },
    });
    expect(order.status).toBe(201);
    const rows = await outboxOf(api, productId);
    const event = rows
      .map((r) => r.event)
      .find((e) => e.eventType === 'STOCK_DECREASED' && e.orderId === order.body.id);
    if (!event) throw new Error('no STOCK_DECREASED in the outbox');
    return event;
  };

  /**
   * A ProductService whose product reads run `between` after the database answered and before
   * the value is returned to the cache (which then fills): exactly the race window.
   */
  const serviceWithRaceWindow = (between: () => Promise<void>): ProductService => {
    const once = async <T>(read: Promise<T>): Promise<T> => {
      const result = await read;
      await between();
      return result;
    };
    const db = {
      product: {
        findUnique: (args: Parameters<CommerceClient['product']['findUnique']>[0]) =>
          once(api.db.product.findUnique(args)),
        findMany: (args: Parameters<CommerceClient['product']['findMany']>[0]) => once(api.db.product.findMany(args)),
      },
    } as unknown as CommerceClient;
    const cache = new ProductCache(api.redis, 60, api.app.log);
    return new ProductService(db, {} as OutboxWriter, cache);
  };

  it('product:{id}: read stock 5, order commits 4, streamer invalidates, the fill stores nothing stale', async () => {
    const productId = await createProduct(api, 5, 700, 'Race');
    await api.redis.del(`product:${productId}`);
    const reader = serviceWithRaceWindow(async () => {
      const event = await orderAndEvent(productId, 1);
      const outcome = await handler.apply([event]);
      expect(outcome.applied.map((e) => e.eventId)).toEqual([event.eventId]);
    });

    const { product, cached } = await reader.get(productId);
    // The reader itself answers what it read (stock 5, before the order): that is not the bug.
    expect([product.stock, cached]).toEqual([5, false]);

    // The bug: the stale copy stored for the whole TTL. The cache must hold nothing, or the truth.
    const stored = await api.redis.get(`product:${productId}`);
    expect(stored === null ? null : (JSON.parse(stored) as ProductDto).stock).not.toBe(5);
    const next = await http<ProductDto>(api, 'GET', `/products/${productId}`);
    expect(next.body.stock).toBe(4);
    const again = await http<ProductDto>(api, 'GET', `/products/${productId}`);
    expect([again.headers.get('x-cache'), again.body.stock]).toEqual(['HIT', 4]);
    // The generation the invalidation bumped outlives the cache entry by far (then expires: no key leaks).
    expect(await api.redis.ttl(`cache-gen:product:${productId}`)).toBeGreaterThan(60);
  });

  it('product lists: a page read before a sell-out is not stored after the lists were invalidated', async () => {
    const productId = await createProduct(api, 1, 700, 'Race list');
    // A page size of its own: no other test reads this key.
    const size = 97;
    const pageKey = `products:newest:1:${size}`;
    await api.redis.del(pageKey);
    const reader = serviceWithRaceWindow(async () => {
      const event = await orderAndEvent(productId, 1); // sells out: remainingStock 0
      expect(event).toMatchObject({ remainingStock: 0 });
      await handler.apply([event]);
    });

    const { page } = await reader.list(1, size, 'newest');
    expect(page.items.map((p) => p.id)).toContain(productId); // read before the sell-out

    const stored = await api.redis.get(pageKey);
    const storedIds = stored === null ? [] : (JSON.parse(stored) as { items: ProductDto[] }).items.map((p) => p.id);
    expect(storedIds).not.toContain(productId);
    const fresh = await http<{ items: ProductDto[] }>(api, 'GET', `/products?page=1&size=${size}&sort=newest`);
    expect(fresh.body.items.map((p) => p.id)).not.toContain(productId);
  });

  it('an invalidation is idempotent: replayed before or after its inbox row, later fills are cached again', async () => {
    const productId = await createProduct(api, 3, 700, 'Replay');
    const event = await orderAndEvent(productId, 1);
    await handler.apply([event]);
    // A crash between the Redis part and the inbox row: the event comes again and invalidates again.
    const replayer = new CacheInvalidationHandler(`cache-race-${randomUUID()}`, streamerDb, api.redis);
    expect((await replayer.apply([event])).applied.map((e) => e.eventId)).toEqual([event.eventId]);
    // Redelivered after the inbox row: a duplicate, no effect.
    expect((await handler.apply([event])).duplicates.map((e) => e.eventId)).toEqual([event.eventId]);
    const first = await http<ProductDto>(api, 'GET', `/products/${productId}`);
    const second = await http<ProductDto>(api, 'GET', `/products/${productId}`);
    expect([first.headers.get('x-cache'), second.headers.get('x-cache'), second.body.stock]).toEqual([
      'MISS',
      'HIT',
      2,
    ]);
  });

  it('on the api side Redis stays optional: a failure serves the database and stores nothing', async () => {
    const productId = await createProduct(api, 3, 700, 'No Redis');
    const closed = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    try {
      const cache = new ProductCache(closed, 60, api.app.log);
      const service = new ProductService(api.db, {} as OutboxWriter, cache);
      expect(await service.get(productId)).toMatchObject({ product: { id: productId, stock: 3 }, cached: false });
      expect(await cache.dropLists()).toBe(0);
    } finally {
      closed.disconnect();
    }
  });

  it('a Redis failure propagates from apply (the streamer retries), and claims no inbox row', async () => {
    const productId = await createProduct(api, 3, 700, 'Redis down');
    const event = await orderAndEvent(productId, 1);
    const closed = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const down = new CacheInvalidationHandler(handler.group, streamerDb, closed);
    try {
      await expect(down.apply([event])).rejects.toThrow();
    } finally {
      closed.disconnect();
    }
    // Nothing was claimed: the retry (with Redis back) applies it.
    expect((await handler.apply([event])).applied.map((e) => e.eventId)).toEqual([event.eventId]);
  });
});
