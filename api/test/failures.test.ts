import { randomUUID } from 'node:crypto';
import { createOutboxWriter } from '../src/outbox/outbox-writer';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

/** A failing request leaves no business change and no outbox row. */
describe('failed requests change nothing', () => {
  let api: TestApi;
  let failing: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    // Same database; its outbox writer writes the rows and then throws, inside the transaction.
    const real = createOutboxWriter(api.codec);
    failing = await startTestApi({
      outbox: {
        async write(tx, events) {
          await real.write(tx, events);
          throw new Error('injected failure after the outbox insert');
        },
      },
    });
  });
  afterAll(async () => {
    await failing.close();
    await api.close();
  });

  const snapshot = async (productId: string) => ({
    product: await api.db.product.findUnique({ where: { id: productId }, select: { stock: true } }),
    likes: await api.db.productLike.count({ where: { productId } }),
    views: await api.db.productView.count({ where: { productId } }),
    orderItems: await api.db.orderItem.count({ where: { productId } }),
    outbox: (await outboxOf(api, productId)).length,
  });

  it('an error thrown inside the transaction rolls back the like, view and order with their outbox rows', async () => {
    const productId = await createProduct(api, 5);
    const before = await snapshot(productId);
    const like = await http(failing, 'POST', `/products/${productId}/likes`, { headers: member('f-1') });
    const view = await http(failing, 'POST', `/products/${productId}/views`, { headers: member('f-1') });
    const order = await http(failing, 'POST', '/orders', {
      headers: member('f-1'),
      body: { items: [{ productId, quantity: 2 }] },
    });
    expect([like.status, view.status, order.status]).toEqual([500, 500, 500]);
    expect(like.body).toEqual({
      statusCode: 500,
      code: 'INTERNAL',
      error: 'Internal Server Error',
      message: 'internal error; see the server log',
    });
    expect(await snapshot(productId)).toEqual(before);
    expect(await api.db.order.count({ where: { memberId: 'f-1' } })).toBe(0);
  });

  it('an error inside a payment leaves the order CREATED and the stock decreased', async () => {
    const productId = await createProduct(api, 5);
    const order = await http(api, 'POST', '/orders', {
      headers: member('f-2'),
      body: { items: [{ productId, quantity: 2 }] },
    });
    const orderId = order.body.id as string;
    const res = await http(failing, 'POST', `/orders/${orderId}/payment`, { body: { result: 'failed', reason: 'x' } });
    expect(res.status).toBe(500);
    expect((await api.db.order.findUnique({ where: { id: orderId } }))?.status).toBe('CREATED');
    expect(await api.db.payment.count({ where: { orderId } })).toBe(0);
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(3);
    expect((await outboxOf(api, orderId)).map((r) => r.type)).toEqual(['ORDER_CREATED']);
  });

  it('a 409 (not enough stock for the second item) rolls back the first item too', async () => {
    const plenty = await createProduct(api, 10);
    const scarce = await createProduct(api, 1);
    const before = [await snapshot(plenty), await snapshot(scarce)];
    const res = await http(api, 'POST', '/orders', {
      headers: member('f-3'),
      body: {
        items: [
          { productId: plenty, quantity: 3 },
          { productId: scarce, quantity: 2 },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      details: { productId: scarce, requested: 2, available: 1 },
    });
    expect([await snapshot(plenty), await snapshot(scarce)]).toEqual(before);
  });

  it('validation errors and unknown ids write nothing', async () => {
    const productId = await createProduct(api, 5);
    const before = await snapshot(productId);
    const unknownProduct = randomUUID();
    const results = await Promise.all([
      http(api, 'POST', '/orders', { headers: member('f-4'), body: { items: [{ productId, quantity: -1 }] } }),
      http(api, 'POST', '/orders', {
        headers: member('f-4'),
        body: {
          items: [
            { productId, quantity: 1 },
            { productId: unknownProduct, quantity: 1 },
          ],
        },
      }),
      http(api, 'POST', `/products/${unknownProduct}/likes`, { headers: member('f-4') }),
      http(api, 'POST', `/products/${productId}/likes`),
    ]);
    expect(results.map((r) => r.status)).toEqual([400, 404, 404, 400]);
    expect(await snapshot(productId)).toEqual(before);
    expect(await outboxOf(api, unknownProduct)).toEqual([]);
  });
});
