import { randomUUID } from 'node:crypto';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

/**
 * Amounts and quantities are 32-bit integers in the event contract (Avro int). An order whose
 * amounts do not fit is refused with a 422 naming the limit, before anything is written;
 * nothing valid is ever a 500.
 */
describe('amounts that do not fit the event contract', () => {
  const INT_MAX = 2_147_483_647;
  const run = randomUUID().slice(0, 8);
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const order = (items: { productId: string; quantity: number }[], couponId?: string) =>
    http(api, 'POST', '/orders', { headers: member(`amounts-${run}`), body: { items, couponId } });

  const createCoupon = async (discount: number): Promise<string> => {
    const coupon = await http(api, 'POST', '/coupons', { body: { code: `A-${randomUUID()}`, discount } });
    expect(coupon.status).toBe(201);
    return coupon.body.id as string;
  };

  /** What an order may have written: stock, order lines, outbox rows, orders of the member. */
  const effects = async (productIds: string[]) => ({
    stock: await Promise.all(productIds.map(async (id) => (await api.db.product.findUnique({ where: { id } }))?.stock)),
    orderItems: await api.db.orderItem.count({ where: { productId: { in: productIds } } }),
    outbox: (await Promise.all(productIds.map((id) => outboxOf(api, id)))).flat().length,
    orders: await api.db.order.count({ where: { memberId: `amounts-${run}` } }),
  });

  const expectRefused = (res: { status: number; body: Record<string, unknown> }) => {
    expect([res.status, res.body.code]).toEqual([422, 'AMOUNT_OUT_OF_RANGE']);
    expect(res.body.message).toContain('2147483647');
    expect(res.body.details).toMatchObject({ limit: INT_MAX });
  };

  it('price 1,000,000,000 x 3 is a 422 AMOUNT_OUT_OF_RANGE, and nothing is written', async () => {
    const productId = await createProduct(api, 10, 1_000_000_000);
    const before = await effects([productId]);
    const res = await order([{ productId, quantity: 3 }]);
    expectRefused(res);
    expect(res.body.details).toMatchObject({ field: 'items[0]', value: 3_000_000_000 });
    expect(await effects([productId])).toEqual(before);
    expect(before.stock).toEqual([10]);
  });

  it('a total of exactly 2147483647 is accepted and paid; one more is refused', async () => {
    // 2 x 1,000,000,000 + 147,483,647 = 2,147,483,647 (a prime: it takes two lines to reach).
    const big = await createProduct(api, 10, 1_000_000_000);
    const rest = await createProduct(api, 10, 147_483_647);
    const accepted = await order([
      { productId: big, quantity: 2 },
      { productId: rest, quantity: 1 },
    ]);
    expect([accepted.status, accepted.body.totalAmount]).toEqual([201, INT_MAX]);
    const orderId = accepted.body.id as string;
    expect((await outboxOf(api, orderId))[0]?.event).toMatchObject({
      eventType: 'ORDER_CREATED',
      totalAmount: INT_MAX,
    });
    const paid = await http(api, 'POST', `/orders/${orderId}/payment`, { body: { result: 'completed' } });
    expect([paid.status, (paid.body.payment as { amount: number }).amount]).toEqual([200, INT_MAX]);

    const oneMore = await createProduct(api, 10, 147_483_648);
    const before = await effects([big, oneMore]);
    const refused = await order([
      { productId: big, quantity: 2 },
      { productId: oneMore, quantity: 1 },
    ]);
    expectRefused(refused);
    expect(refused.body.details).toMatchObject({ field: 'subtotal', value: INT_MAX + 1 });
    expect(await effects([big, oneMore])).toEqual(before);
  });

  it('a coupon does not make an order fit whose lines do not, and stays unused', async () => {
    const productId = await createProduct(api, 10, 1_000_000_000);
    const couponId = await createCoupon(1_000_000_000);
    const before = await effects([productId]);
    // 3,000,000,000 - 1,000,000,000 would fit, but the event's lines (unitPrice x quantity) would not.
    expectRefused(await order([{ productId, quantity: 3 }], couponId));
    expect(await effects([productId])).toEqual(before);
    const fits = await order([{ productId, quantity: 2 }], couponId);
    expect([fits.status, fits.body.discount, fits.body.totalAmount]).toEqual([201, 1_000_000_000, 1_000_000_000]);
  });

  it('huge quantities, prices and discounts are 400s naming the limit; nothing is ever a 500', async () => {
    const productId = await createProduct(api, 1_000_000, 1_000_000_000);
    for (const quantity of [1001, INT_MAX, INT_MAX + 1, 1e20]) {
      const res = await order([{ productId, quantity }]);
      expect([res.status, res.body.message]).toEqual([400, 'body/items/0/quantity must be <= 1000']);
    }
    for (const price of [1_000_000_001, INT_MAX + 1, 2 ** 53]) {
      const res = await http(api, 'POST', '/products', { body: { name: 'x', price, stock: 1 } });
      expect([res.status, res.body.message]).toEqual([400, 'body/price must be <= 1000000000']);
    }
    const stock = await http(api, 'POST', '/products', { body: { name: 'x', price: 1, stock: INT_MAX } });
    expect([stock.status, stock.body.message]).toEqual([400, 'body/stock must be <= 1000000']);
    const coupon = await http(api, 'POST', '/coupons', { body: { code: `A-${randomUUID()}`, discount: INT_MAX } });
    expect([coupon.status, coupon.body.message]).toEqual([400, 'body/discount must be <= 1000000000']);

    // The largest order the schema allows: 50 lines of 1000 x 1,000,000,000.
    const products = await Promise.all(Array.from({ length: 50 }, () => createProduct(api, 1000, 1_000_000_000)));
    const before = await effects(products);
    expectRefused(await order(products.map((id) => ({ productId: id, quantity: 1000 }))));
    expect(await effects(products)).toEqual(before);
  });

  it('OpenAPI states the limits: price, stock, quantity maxima, the order total and its 422', async () => {
    type Schema = { maximum?: number; description?: string; properties?: Record<string, Schema>; items?: Schema };
    const doc = await http<{
      paths: Record<
        string,
        Record<
          string,
          {
            description?: string;
            requestBody: { content: Record<string, { schema: Schema }> };
            responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
          }
        >
      >;
    }>(api, 'GET', '/docs/json');
    const bodyOf = (path: string) => doc.body.paths[path]?.post?.requestBody.content['application/json']?.schema;
    const product = bodyOf('/products')?.properties;
    expect([product?.price?.maximum, product?.stock?.maximum]).toEqual([1_000_000_000, 1_000_000]);
    expect(bodyOf('/coupons')?.properties?.discount?.maximum).toBe(1_000_000_000);
    const orders = doc.body.paths['/orders']?.post;
    expect(bodyOf('/orders')?.properties?.items?.items?.properties?.quantity?.maximum).toBe(1000);
    expect(orders?.description).toMatch(/2147483647/);
    expect(orders?.responses['422']?.description).toMatch(/AMOUNT_OUT_OF_RANGE.*2147483647/s);
    const created = orders?.responses['201']?.content?.['application/json']?.schema.properties;
    expect(created?.totalAmount?.maximum).toBe(INT_MAX);
  });
});
