import { randomUUID } from 'node:crypto';
import { applyMigrations, createStreamerClient, streamerMigrationsDir } from '@outbox/db';
import { endpoints } from '@outbox/e2e';
import type { CommerceEvent } from '@outbox/events';
import fc from 'fast-check';
import { CacheInvalidationHandler } from '@outbox/streamer';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

/**
 * One identity per aggregate: whatever case a client spells a UUID in, the api uses its
 * lower-case form in queries, outbox rows (the Kafka key), cache keys and responses.
 */
describe('every UUID the api receives is canonical (lower case)', () => {
  const run = randomUUID().slice(0, 8);
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const upper = (id: string): string => id.toUpperCase();
  const mixed = (id: string): string => [...id].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('');
  const SPELLINGS = [
    ['upper', upper],
    ['mixed', mixed],
  ] as const;

  /** Every spelling of the id among the outbox's aggregate keys (looked up case-insensitively). */
  const aggregateKeysOf = async (id: string): Promise<string[]> => {
    const rows = await api.db.$queryRaw<{ aggregateid: string }[]>`
      SELECT DISTINCT aggregateid FROM outbox WHERE lower(aggregateid) = ${id.toLowerCase()}`;
    return rows.map((r) => r.aggregateid);
  };

  /** The outbox events of one aggregate, whatever case their rows were keyed in. */
  const eventsOf = async (id: string): Promise<CommerceEvent[]> => {
    const keys = await aggregateKeysOf(id);
    const rows = (await Promise.all(keys.map((key) => outboxOf(api, key)))).flat();
    return rows.map((r) => r.event);
  };

  describe.each(SPELLINGS)('ids spelled in %s case', (_name, spell) => {
    it('a like sent so and the unlike sent lower case land on one aggregate key', async () => {
      const productId = await createProduct(api);
      const liked = await http(api, 'POST', `/products/${spell(productId)}/likes`, { headers: member(`c-${run}`) });
      expect([liked.status, liked.body.productId]).toEqual([201, productId]);
      const unliked = await http(api, 'DELETE', `/products/${productId}/likes`, { headers: member(`c-${run}`) });
      expect([unliked.status, unliked.body.changed]).toEqual([200, true]);

      expect(await aggregateKeysOf(productId)).toEqual([productId]);
      expect((await outboxOf(api, productId)).map((r) => [r.type, r.event.aggregateId])).toEqual([
        ['PRODUCT_LIKED', productId],
        ['PRODUCT_UNLIKED', productId],
      ]);
    });

    it('an unlike sent so removes the like made lower case', async () => {
      const productId = await createProduct(api);
      await http(api, 'POST', `/products/${productId}/likes`, { headers: member(`c-${run}`) });
      const unliked = await http(api, 'DELETE', `/products/${spell(productId)}/likes`, {
        headers: member(`c-${run}`),
      });
      expect([unliked.status, unliked.body.productId, unliked.body.changed]).toEqual([200, productId, true]);
      expect(await api.db.productLike.count({ where: { productId } })).toBe(0);
      expect(await aggregateKeysOf(productId)).toEqual([productId]);
    });

    it('a view is answered and keyed with the lower-case id', async () => {
      const productId = await createProduct(api);
      const viewed = await http(api, 'POST', `/products/${spell(productId)}/views`, { headers: member(`c-${run}`) });
      expect([viewed.status, viewed.body.productId]).toEqual([201, productId]);
      expect(await aggregateKeysOf(productId)).toEqual([productId]);
    });

    it('GET /products/:id reads and fills the cache under the lower-case key', async () => {
      const productId = await createProduct(api);
      const miss = await http(api, 'GET', `/products/${spell(productId)}`);
      expect([miss.status, miss.body.id, miss.headers.get('x-cache')]).toEqual([200, productId, 'MISS']);
      expect(await api.redis.exists(`product:${productId}`)).toBe(1);
      expect(await api.redis.exists(`product:${spell(productId)}`)).toBe(0);
      // The next read, in any spelling, is served from that one entry.
      const hit = await http(api, 'GET', `/products/${productId}`);
      expect(hit.headers.get('x-cache')).toBe('HIT');
    });

    it('unknown ids are 404s that name the lower-case id', async () => {
      const unknown = randomUUID();
      const notFound = [
        await http(api, 'GET', `/products/${spell(unknown)}`),
        await http(api, 'GET', `/products/${spell(unknown)}/metrics`),
        await http(api, 'POST', `/products/${spell(unknown)}/views`),
        await http(api, 'POST', `/products/${spell(unknown)}/likes`, { headers: member(`c-${run}`) }),
        await http(api, 'DELETE', `/products/${spell(unknown)}/likes`, { headers: member(`c-${run}`) }),
        await http(api, 'POST', `/orders/${spell(unknown)}/payment`, { body: { result: 'completed' } }),
      ];
      for (const res of notFound) {
        expect([res.status, res.body.message]).toEqual([404, expect.stringContaining(unknown)]);
        expect(Object.values(res.body.details as Record<string, string>)).toEqual([unknown]);
      }
    });

    it('an order naming product and coupon so: response, events and keys carry lower-case ids', async () => {
      const productId = await createProduct(api, 5, 100);
      const coupon = await http(api, 'POST', '/coupons', { body: { code: `C-${randomUUID()}`, discount: 10 } });
      const couponId = coupon.body.id as string;
      const order = await http(api, 'POST', '/orders', {
        headers: member(`c-${run}`),
        body: { items: [{ productId: spell(productId), quantity: 2 }], couponId: spell(couponId) },
      });
      expect(order.status).toBe(201);
      expect(order.body).toMatchObject({ items: [{ productId, quantity: 2, unitPrice: 100 }], couponId });
      const orderId = order.body.id as string;

      expect(await aggregateKeysOf(productId)).toEqual([productId]);
      expect(await eventsOf(productId)).toEqual([
        expect.objectContaining({ eventType: 'STOCK_DECREASED', aggregateId: productId, orderId }),
      ]);
      expect(await eventsOf(orderId)).toEqual([
        expect.objectContaining({ eventType: 'ORDER_CREATED', items: [{ productId, quantity: 2, unitPrice: 100 }] }),
        expect.objectContaining({ eventType: 'COUPON_USED', couponId }),
      ]);
      // The same coupon in another spelling is the same coupon: used already.
      const again = await http(api, 'POST', '/orders', {
        headers: member(`c-${run}`),
        body: { items: [{ productId, quantity: 1 }], couponId: upper(couponId) },
      });
      expect([again.status, again.body.code, again.body.details]).toEqual([409, 'COUPON_ALREADY_USED', { couponId }]);
    });

    it('a product named twice in two spellings is one product named twice: 400', async () => {
      const productId = await createProduct(api);
      const twice = await http(api, 'POST', '/orders', {
        headers: member(`c-${run}`),
        body: {
          items: [
            { productId: spell(productId), quantity: 1 },
            { productId, quantity: 1 },
          ],
        },
      });
      expect([twice.status, twice.body.message]).toEqual([400, expect.stringContaining(`${productId} twice`)]);
      expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(10);
    });

    it('a payment for an order id spelled so settles that order, keyed lower case', async () => {
      const productId = await createProduct(api, 5, 100);
      const settle = async (result: 'completed' | 'failed') => {
        const order = await http(api, 'POST', '/orders', {
          headers: member(`c-${run}`),
          body: { items: [{ productId, quantity: 1 }] },
        });
        const orderId = order.body.id as string;
        const paid = await http(api, 'POST', `/orders/${spell(orderId)}/payment`, { body: { result } });
        expect([paid.status, paid.body.orderId]).toEqual([200, orderId]);
        expect(await aggregateKeysOf(orderId)).toEqual([orderId]);
        return (await eventsOf(orderId)).map((e) => e.eventType);
      };
      expect(await settle('completed')).toEqual(['ORDER_CREATED', 'PAYMENT_COMPLETED']);
      expect(await settle('failed')).toEqual(['ORDER_CREATED', 'PAYMENT_FAILED']);
    });

    it('X-Member-Id: a UUID is one member in any spelling; other member ids are kept as sent', async () => {
      const productId = await createProduct(api);
      const memberId = randomUUID();
      const liked = await http(api, 'POST', `/products/${productId}/likes`, { headers: member(spell(memberId)) });
      expect([liked.status, liked.body.memberId]).toEqual([201, memberId]);
      const unliked = await http(api, 'DELETE', `/products/${productId}/likes`, { headers: member(memberId) });
      expect(unliked.body.changed).toBe(true);
      expect((await eventsOf(productId)).map((e) => (e as { memberId: string }).memberId)).toEqual([
        memberId,
        memberId,
      ]);

      const order = await http(api, 'POST', '/orders', {
        headers: member(spell(memberId)),
        body: { items: [{ productId, quantity: 1 }] },
      });
      expect(order.body.memberId).toBe(memberId);
      expect(await eventsOf(order.body.id as string)).toEqual([expect.objectContaining({ memberId })]);

      const named = `Canon-Member-${run}`;
      const byName = await http(api, 'POST', `/products/${productId}/likes`, { headers: member(named) });
      expect(byName.body.memberId).toBe(named);
    });

    it('Idempotency-Key: a UUID key retried in another spelling replays the first order', async () => {
      const productId = await createProduct(api, 10, 100);
      const key = randomUUID();
      const order = (idempotencyKey: string) =>
        http(api, 'POST', '/orders', {
          headers: { ...member(`c-${run}`), 'idempotency-key': idempotencyKey },
          body: { items: [{ productId: spell(productId), quantity: 2 }] },
        });
      const first = await order(spell(key));
      const retry = await order(key);
      expect([first.status, retry.status, retry.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
      expect(retry.body).toEqual(first.body);
      expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(8);
    });
  });

  it('an order naming a product in upper case bumps the lower-case cache generation', async () => {
    const streamerDb = createStreamerClient(endpoints.postgresUrl('streamer'));
    try {
      await applyMigrations({ databaseUrl: endpoints.postgresUrl('streamer'), migrationsDir: streamerMigrationsDir });
      const handler = new CacheInvalidationHandler(`canon-${run}`, streamerDb, api.redis);
      const productId = await createProduct(api, 5, 100);
      await http(api, 'GET', `/products/${productId}`);
      const order = await http(api, 'POST', '/orders', {
        headers: member(`c-${run}`),
        body: { items: [{ productId: upper(productId), quantity: 1 }] },
      });
      expect(order.status).toBe(201);

      // The streamer's cache group applies the order's STOCK_DECREASED, as the outbox holds it.
      await handler.apply(await eventsOf(productId));
      expect(await api.redis.exists(`cache-gen:product:${productId}`)).toBe(1);
      expect(await api.redis.exists(`cache-gen:product:${upper(productId)}`)).toBe(0);
      const fresh = await http(api, 'GET', `/products/${productId}`);
      expect([fresh.headers.get('x-cache'), fresh.body.stock]).toEqual(['MISS', 4]);
    } finally {
      await streamerDb.$disconnect();
    }
  });

  it('a UUID in URN form is a 400 naming the field, never a 500', async () => {
    const productId = await createProduct(api);
    const res = await http(api, 'GET', `/products/urn:uuid:${productId}`);
    expect([res.status, res.body.message]).toEqual([400, 'params/id must match format "uuid"']);
    const order = await http(api, 'POST', '/orders', {
      headers: member(`c-${run}`),
      body: { items: [{ productId: `urn:uuid:${productId}`, quantity: 1 }] },
    });
    expect([order.status, order.body.message]).toEqual([400, 'body/items/0/productId must match format "uuid"']);
  });

  /**
   * Property: a like and an unlike, each sent with its own random case-spelling of the product
   * id, always land on the one lower-case aggregate key. The seed is fixed; a failure prints
   * it with the path, and FC_SEED (with FC_RUNS) replays it.
   */
  const SEED = Number(process.env.FC_SEED ?? 20261206);
  const RUNS = Number(process.env.FC_RUNS ?? 40);
  it(`property: any case-spelling of a UUID reaches the same aggregate key (seed ${SEED})`, async () => {
    const products = await Promise.all([1, 2, 3].map(() => createProduct(api)));
    const spelling = fc.array(fc.boolean(), { minLength: 36, maxLength: 36 });
    const spellWith = (id: string, upperAt: boolean[]) =>
      [...id].map((c, i) => (upperAt[i] ? c.toUpperCase() : c)).join('');
    let likes = 0;

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...products), spelling, spelling, async (productId, likeCase, unlikeCase) => {
        const who = member(`pbt-${run}-${likes++}`);
        const liked = await http(api, 'POST', `/products/${spellWith(productId, likeCase)}/likes`, { headers: who });
        const unliked = await http(api, 'DELETE', `/products/${spellWith(productId, unlikeCase)}/likes`, {
          headers: who,
        });
        expect([liked.status, liked.body.productId, unliked.body.changed]).toEqual([201, productId, true]);
        expect(await aggregateKeysOf(productId)).toEqual([productId]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
