import { randomUUID } from 'node:crypto';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

describe('concurrent orders', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('20 parallel orders for 5 units: exactly 5 succeed, the rest get 409, stock ends at 0', async () => {
    const productId = await createProduct(api, 5, 100);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        http(api, 'POST', '/orders', { headers: member(`buyer-${i}`), body: { items: [{ productId, quantity: 1 }] } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'INSUFFICIENT_STOCK')).toBe(true);
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(0);
    const decreases = await outboxOf(api, productId);
    expect(decreases).toHaveLength(5);
    // Each winner saw the stock one lower: 4, 3, 2, 1, 0 in commit order, never negative.
    expect(decreases.map((r) => (r.event as { remainingStock: number }).remainingStock).sort()).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it('a coupon used by 10 parallel orders succeeds once', async () => {
    const productId = await createProduct(api, 100, 1000);
    const coupon = await http(api, 'POST', '/coupons', { body: { code: `ONCE-${randomUUID()}`, discount: 100 } });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        http(api, 'POST', '/orders', {
          headers: member(`coupon-${i}`),
          body: { items: [{ productId, quantity: 1 }], couponId: coupon.body.id },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(
      Array(9).fill('COUPON_ALREADY_USED'),
    );
    expect(await api.db.order.count({ where: { couponId: coupon.body.id as string } })).toBe(1);
    // The losers' stock decrease was rolled back with them.
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(99);
  });

  it('the same Idempotency-Key sent 5 times at once creates one order', async () => {
    const productId = await createProduct(api, 10, 100);
    const key = `race-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        http(api, 'POST', '/orders', {
          headers: { ...member('racer'), 'idempotency-key': key },
          body: { items: [{ productId, quantity: 1 }] },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(9);
  });

  it('likes by one member racing each other write one like and one event', async () => {
    const productId = await createProduct(api);
    await Promise.all(
      Array.from({ length: 8 }, () => http(api, 'POST', `/products/${productId}/likes`, { headers: member('eager') })),
    );
    expect(await api.db.productLike.count({ where: { productId } })).toBe(1);
    expect((await outboxOf(api, productId)).map((r) => r.type)).toEqual(['PRODUCT_LIKED']);
  });
});
