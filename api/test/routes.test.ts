import { randomUUID } from 'node:crypto';
import type { CommerceEvent } from '@outbox/events';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

/**
 * For every route: the business rows and exactly the expected outbox rows exist after the
 * call, and the outbox payload decodes (through the registry) to the same fields.
 */
describe('api routes write business rows and outbox rows together', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const types = (rows: { type: string }[]): string[] => rows.map((r) => r.type);

  it('POST /products creates a product (no event: the catalogue has none for it)', async () => {
    const res = await http(api, 'POST', '/products', { body: { name: 'Lamp', price: 2500, stock: 3 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Lamp', price: 2500, stock: 3 });
    const row = await api.db.product.findUnique({ where: { id: res.body.id as string } });
    expect(row).toMatchObject({ name: 'Lamp', price: 2500, stock: 3 });
    expect(await outboxOf(api, res.body.id as string)).toEqual([]);
  });

  it('POST /products/:id/likes is idempotent: one like row, one PRODUCT_LIKED event', async () => {
    const productId = await createProduct(api);
    const first = await http(api, 'POST', `/products/${productId}/likes`, { headers: member('m-1') });
    const second = await http(api, 'POST', `/products/${productId}/likes`, { headers: member('m-1') });
    expect([first.status, first.body.changed, second.status, second.body.changed]).toEqual([201, true, 200, false]);
    expect(await api.db.productLike.count({ where: { productId } })).toBe(1);
    const outbox = await outboxOf(api, productId);
    expect(types(outbox)).toEqual(['PRODUCT_LIKED']);
    expect(outbox[0]?.aggregatetype).toBe('catalog');
    expect(outbox[0]?.event).toMatchObject({
      eventId: outbox[0]?.id,
      eventType: 'PRODUCT_LIKED',
      aggregateId: productId,
      memberId: 'm-1',
    });
  });

  it('DELETE /products/:id/likes writes PRODUCT_UNLIKED only when a like existed', async () => {
    const productId = await createProduct(api);
    const notLiked = await http(api, 'DELETE', `/products/${productId}/likes`, { headers: member('m-2') });
    expect([notLiked.status, notLiked.body.changed]).toEqual([200, false]);
    expect(await outboxOf(api, productId)).toEqual([]);

    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('m-2') });
    const unliked = await http(api, 'DELETE', `/products/${productId}/likes`, { headers: member('m-2') });
    expect([unliked.status, unliked.body.liked, unliked.body.changed]).toEqual([200, false, true]);
    expect(await api.db.productLike.count({ where: { productId } })).toBe(0);
    expect(types(await outboxOf(api, productId))).toEqual(['PRODUCT_LIKED', 'PRODUCT_UNLIKED']);
  });

  it('POST /products/:id/views records a view and PRODUCT_VIEWED, with or without a member', async () => {
    const productId = await createProduct(api);
    expect((await http(api, 'POST', `/products/${productId}/views`, { headers: member('m-3') })).status).toBe(201);
    expect((await http(api, 'POST', `/products/${productId}/views`)).status).toBe(201);
    expect(await api.db.productView.count({ where: { productId } })).toBe(2);
    const outbox = await outboxOf(api, productId);
    expect(outbox.map((r) => (r.event as { memberId: string | null }).memberId)).toEqual(['m-3', null]);
  });

  it('POST /orders decreases stock and writes ORDER_CREATED, COUPON_USED and STOCK_DECREASED per item', async () => {
    const lamp = await createProduct(api, 5, 1000);
    const desk = await createProduct(api, 2, 20000);
    const coupon = await http(api, 'POST', '/coupons', { body: { code: `C-${randomUUID()}`, discount: 500 } });
    expect(coupon.status).toBe(201);

    const res = await http(api, 'POST', '/orders', {
      headers: member('m-4'),
      body: {
        items: [
          { productId: lamp, quantity: 2 },
          { productId: desk, quantity: 1 },
        ],
        couponId: coupon.body.id,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'CREATED',
      discount: 500,
      totalAmount: 2 * 1000 + 20000 - 500,
      couponId: coupon.body.id,
    });
    const orderId = res.body.id as string;

    expect((await api.db.product.findUnique({ where: { id: lamp } }))?.stock).toBe(3);
    expect((await api.db.product.findUnique({ where: { id: desk } }))?.stock).toBe(1);
    expect(await api.db.orderItem.count({ where: { orderId } })).toBe(2);

    const orderEvents = await outboxOf(api, orderId);
    expect(types(orderEvents)).toEqual(['ORDER_CREATED', 'COUPON_USED']);
    expect(orderEvents[0]?.event).toMatchObject({ memberId: 'm-4', totalAmount: 21500 });
    expect((orderEvents[0]?.event as Extract<CommerceEvent, { eventType: 'ORDER_CREATED' }>).items).toHaveLength(2);
    expect(orderEvents[1]?.event).toMatchObject({ couponId: coupon.body.id, discount: 500 });
    const lampEvents = await outboxOf(api, lamp);
    expect(lampEvents.map((r) => r.event)).toEqual([
      expect.objectContaining({ eventType: 'STOCK_DECREASED', quantity: 2, remainingStock: 3, orderId }),
    ]);
  });

  it('POST /orders/:id/payment completed: PAID once, PAYMENT_COMPLETED once, a second call is 409', async () => {
    const productId = await createProduct(api, 5, 700);
    const order = await http(api, 'POST', '/orders', {
      headers: member('m-5'),
      body: { items: [{ productId, quantity: 1 }] },
    });
    const orderId = order.body.id as string;
    const paid = await http(api, 'POST', `/orders/${orderId}/payment`, { body: { result: 'completed' } });
    expect([paid.status, paid.body.status]).toEqual([200, 'PAID']);
    const again = await http(api, 'POST', `/orders/${orderId}/payment`, { body: { result: 'failed', reason: 'late' } });
    expect([again.status, again.body.code]).toEqual([409, 'ORDER_ALREADY_SETTLED']);
    expect(await api.db.payment.count({ where: { orderId } })).toBe(1);
    expect(types(await outboxOf(api, orderId))).toEqual(['ORDER_CREATED', 'PAYMENT_COMPLETED']);
  });

  it('POST /orders/:id/payment failed: FAILED, stock restored, PAYMENT_FAILED and STOCK_INCREASED', async () => {
    const productId = await createProduct(api, 4, 300);
    const order = await http(api, 'POST', '/orders', {
      headers: member('m-6'),
      body: { items: [{ productId, quantity: 3 }] },
    });
    const orderId = order.body.id as string;
    const failed = await http(api, 'POST', `/orders/${orderId}/payment`, {
      body: { result: 'failed', reason: 'card declined' },
    });
    expect([failed.status, failed.body.status]).toEqual([200, 'FAILED']);
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(4);
    const orderEvents = await outboxOf(api, orderId);
    expect(orderEvents.map((r) => r.event)).toEqual([
      expect.objectContaining({ eventType: 'ORDER_CREATED' }),
      expect.objectContaining({
        eventType: 'PAYMENT_FAILED',
        reason: 'card declined',
        items: [{ productId, quantity: 3 }],
      }),
    ]);
    expect((await outboxOf(api, productId)).map((r) => r.event)).toEqual([
      expect.objectContaining({ eventType: 'STOCK_DECREASED', quantity: 3, remainingStock: 1 }),
      expect.objectContaining({ eventType: 'STOCK_INCREASED', quantity: 3, remainingStock: 4 }),
    ]);
  });

  it('Idempotency-Key on POST /orders returns the first response on a retry, and no second order', async () => {
    const productId = await createProduct(api, 10, 100);
    const key = `key-${randomUUID()}`;
    const request = {
      headers: { ...member('m-7'), 'idempotency-key': key },
      body: { items: [{ productId, quantity: 2 }] },
    };
    const first = await http(api, 'POST', '/orders', request);
    const retry = await http(api, 'POST', '/orders', request);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await api.db.order.count({ where: { memberId: 'm-7', items: { some: { productId } } } })).toBe(1);
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(8);

    const different = await http(api, 'POST', '/orders', { ...request, body: { items: [{ productId, quantity: 1 }] } });
    expect([different.status, different.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('GET /products/:id is served from Redis after the first read', async () => {
    const productId = await createProduct(api, 6, 990, 'Cached');
    await api.redis.del(`product:${productId}`);
    const miss = await http(api, 'GET', `/products/${productId}`);
    const hit = await http(api, 'GET', `/products/${productId}`);
    expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
    expect(hit.body).toEqual(miss.body);
    expect(JSON.parse((await api.redis.get(`product:${productId}`)) as string)).toMatchObject({
      id: productId,
      stock: 6,
    });
    expect(await api.redis.ttl(`product:${productId}`)).toBeGreaterThan(0);
  });

  it('GET /products lists products in stock only, cached under products:*', async () => {
    const soldOut = await createProduct(api, 0, 1, 'Sold out');
    await createProduct(api, 1, 1, 'In stock');
    const res = await http<{ items: { id: string; stock: number }[] }>(
      api,
      'GET',
      '/products?page=1&size=100&sort=newest',
    );
    expect(res.status).toBe(200);
    expect(res.body.items.every((p) => p.stock > 0)).toBe(true);
    expect(res.body.items.map((p) => p.id)).not.toContain(soldOut);
    expect(await api.redis.exists('products:newest:1:100')).toBe(1);
  });
});
