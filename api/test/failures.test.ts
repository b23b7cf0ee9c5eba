import { randomUUID } from 'node:crypto';
import { createOutboxWriter } from '../src/outbox/outbox-writer';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

/**
 * A failing request leaves no business change and no outbox row: the transaction boundary.
 * Two injected failures, each after the business rows are written:
 * - `refusing`: its outbox writer hands the statement a row whose id is already in the outbox,
 *   so PostgreSQL refuses the outbox INSERT (23505) inside the very statement (likes, views)
 *   or transaction (orders, payments) that wrote the business rows. Had the business row been
 *   written by a statement or transaction of its own (a split), it would stay: these tests fail.
 * - `throwing`: the writer inserts the rows, then throws, inside the transaction (orders,
 *   payments: the transaction must roll back what it already wrote).
 */
describe('failed requests change nothing', () => {
  // Member ids of this run only: the test database keeps what earlier runs wrote.
  const run = randomUUID().slice(0, 8);
  const f1 = `f-1-${run}`;
  const f1c = `f-1c-${run}`;
  let api: TestApi;
  let refusing: TestApi;
  let throwing: TestApi;
  let takenId: string;
  beforeAll(async () => {
    api = await startTestApi();
    const real = createOutboxWriter(api.codec);
    // An outbox row id that exists: any row of a like made through the normal api.
    const productId = await createProduct(api, 1);
    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('f-0') });
    takenId = (await outboxOf(api, productId))[0]!.id;
    refusing = await startTestApi({
      outbox: {
        write: (events, statement) =>
          real.write(events, (rows) =>
            statement(rows.map((r, i) => (i === rows.length - 1 ? { ...r, id: takenId } : r))),
          ),
      },
    });
    throwing = await startTestApi({
      outbox: {
        write: (events, statement) =>
          real.write(events, async (rows) => {
            await statement(rows);
            throw new Error('injected failure after the outbox insert');
          }),
      },
    });
  });
  afterAll(async () => {
    await throwing.close();
    await refusing.close();
    await api.close();
  });

  const snapshot = async (productId: string) => ({
    product: await api.db.product.findUnique({ where: { id: productId }, select: { stock: true } }),
    likes: await api.db.productLike.count({ where: { productId } }),
    views: await api.db.productView.count({ where: { productId } }),
    orderItems: await api.db.orderItem.count({ where: { productId } }),
    outbox: (await outboxOf(api, productId)).length,
  });

  it('an outbox row the database refuses rolls back the like, unlike, view and order written with it', async () => {
    const productId = await createProduct(api, 5);
    // A like to unlike, made through the normal api.
    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('f-1b') });
    const before = await snapshot(productId);
    const like = await http(refusing, 'POST', `/products/${productId}/likes`, { headers: member(f1) });
    const unlike = await http(refusing, 'DELETE', `/products/${productId}/likes`, { headers: member('f-1b') });
    const view = await http(refusing, 'POST', `/products/${productId}/views`, { headers: member(f1) });
    const order = await http(refusing, 'POST', '/orders', {
      headers: member(f1),
      body: { items: [{ productId, quantity: 2 }] },
    });
    expect([like.status, unlike.status, view.status, order.status]).toEqual([500, 500, 500, 500]);
    expect(like.body).toEqual({
      statusCode: 500,
      code: 'INTERNAL',
      error: 'Internal Server Error',
      message: 'internal error; see the server log',
    });
    expect(await snapshot(productId)).toEqual(before);
    expect(await api.db.order.count({ where: { memberId: f1 } })).toBe(0);
    expect(await api.db.outbox.count({ where: { id: takenId } })).toBe(1);
  });

  it('an error thrown inside the transaction after the outbox insert rolls back the order', async () => {
    const productId = await createProduct(api, 5);
    const before = await snapshot(productId);
    const order = await http(throwing, 'POST', '/orders', {
      headers: member(f1c),
      body: { items: [{ productId, quantity: 2 }] },
    });
    expect(order.status).toBe(500);
    expect(await snapshot(productId)).toEqual(before);
    expect(await api.db.order.count({ where: { memberId: f1c } })).toBe(0);
  });

  it('a failure inside a payment leaves the order CREATED and the stock decreased', async () => {
    const productId = await createProduct(api, 5);
    for (const failing of [refusing, throwing]) {
      const order = await http(api, 'POST', '/orders', {
        headers: member('f-2'),
        body: { items: [{ productId, quantity: 2 }] },
      });
      const orderId = order.body.id as string;
      const stock = (await api.db.product.findUnique({ where: { id: productId } }))?.stock;
      const res = await http(failing, 'POST', `/orders/${orderId}/payment`, {
        body: { result: 'failed', reason: 'x' },
      });
      expect(res.status).toBe(500);
      expect((await api.db.order.findUnique({ where: { id: orderId } }))?.status).toBe('CREATED');
      expect(await api.db.payment.count({ where: { orderId } })).toBe(0);
      expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(stock);
      expect((await outboxOf(api, orderId)).map((r) => r.type)).toEqual(['ORDER_CREATED']);
    }
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
