import { randomUUID } from 'node:crypto';
import { createProduct, http, member, startTestApi, type TestApi } from './support';

/** Bad input gets a clear 4xx and loses nothing. */
describe('bad input', () => {
  let api: TestApi;
  let productId: string;
  beforeAll(async () => {
    api = await startTestApi();
    productId = await createProduct(api, 5);
  });
  afterAll(() => api.close());

  it('malformed JSON is a 400 naming the problem', async () => {
    const res = await http(api, 'POST', '/orders', { headers: member('b'), rawBody: '{"items": [' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(String(res.body.message)).toMatch(/JSON/i);
  });

  it('wrong types are a 400 with the field path', async () => {
    const res = await http(api, 'POST', '/products', { body: { name: 'x', price: 'cheap', stock: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('body/price must be integer');
  });

  it('negative and zero quantities are rejected', async () => {
    for (const quantity of [-1, 0]) {
      const res = await http(api, 'POST', '/orders', {
        headers: member('b'),
        body: { items: [{ productId, quantity }] },
      });
      expect([res.status, res.body.message]).toEqual([400, 'body/items/0/quantity must be >= 1']);
    }
  });

  it('a negative price or stock is rejected', async () => {
    const res = await http(api, 'POST', '/products', { body: { name: 'x', price: -5, stock: 1 } });
    expect([res.status, res.body.message]).toEqual([400, 'body/price must be >= 0']);
  });

  it('unknown fields are rejected, not silently dropped', async () => {
    const res = await http(api, 'POST', '/products', { body: { name: 'x', price: 5, stock: 1, discount: 3 } });
    expect([res.status, res.body.message]).toEqual([400, 'body must NOT have additional properties']);
  });

  it('an empty order and a product listed twice are 400', async () => {
    const empty = await http(api, 'POST', '/orders', { headers: member('b'), body: { items: [] } });
    expect([empty.status, empty.body.message]).toEqual([400, 'body/items must NOT have fewer than 1 items']);
    const twice = await http(api, 'POST', '/orders', {
      headers: member('b'),
      body: {
        items: [
          { productId, quantity: 1 },
          { productId, quantity: 2 },
        ],
      },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.message).toMatch(/twice/);
  });

  it('a huge body is a 413 before anything is parsed', async () => {
    const res = await http(api, 'POST', '/products', {
      rawBody: JSON.stringify({ name: 'x'.repeat(200_000), price: 1, stock: 1 }),
    });
    expect([res.status, res.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('unknown product and order ids are 404; malformed ids are 400', async () => {
    const unknown = randomUUID();
    expect((await http(api, 'GET', `/products/${unknown}`)).body).toMatchObject({
      statusCode: 404,
      code: 'PRODUCT_NOT_FOUND',
    });
    expect(
      (await http(api, 'POST', `/orders/${unknown}/payment`, { body: { result: 'completed' } })).body,
    ).toMatchObject({
      statusCode: 404,
      code: 'ORDER_NOT_FOUND',
    });
    const malformed = await http(api, 'GET', '/products/not-a-uuid');
    expect([malformed.status, malformed.body.message]).toEqual([400, 'params/id must match format "uuid"']);
  });

  it('a missing X-Member-Id is a 400 that names the header', async () => {
    const res = await http(api, 'POST', `/products/${productId}/likes`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("headers must have required property 'x-member-id'");
  });

  it('an unknown payment result is a 400', async () => {
    const res = await http(api, 'POST', `/orders/${randomUUID()}/payment`, { body: { result: 'maybe' } });
    expect(res.status).toBe(400);
  });

  it('OpenAPI is published at /docs', async () => {
    const res = await http<{ openapi: string; paths: Record<string, unknown> }>(api, 'GET', '/docs/json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/products', '/products/{id}', '/orders', '/orders/{id}/payment']),
    );
  });
});
