import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
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

  it('bodies are never type-coerced: a number is not a name, null is not 0, "7" is not 7', async () => {
    const before = await api.db.product.count();
    const res = await http(api, 'POST', '/products', { body: { name: 123, price: null, stock: '7' } });
    expect([res.status, res.body.code, res.body.message]).toEqual([
      400,
      'VALIDATION_FAILED',
      'body/name must be string',
    ]);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', price: null, stock: 1 }, 'body/price must be integer'],
      [{ name: 'x', price: 1, stock: '7' }, 'body/stock must be integer'],
      [{ name: 'x', price: '100', stock: 1 }, 'body/price must be integer'],
      [{ name: 'x', price: true, stock: 1 }, 'body/price must be integer'],
      [{ name: ['x'], price: 1, stock: 1 }, 'body/name must be string'],
    ];
    for (const [body, message] of cases) {
      const bad = await http(api, 'POST', '/products', { body });
      expect([bad.status, bad.body.message]).toEqual([400, message]);
    }
    const order = await http(api, 'POST', '/orders', {
      headers: member('b'),
      body: { items: [{ productId, quantity: '2' }] },
    });
    expect([order.status, order.body.message]).toEqual([400, 'body/items/0/quantity must be integer']);
    const coupon = await http(api, 'POST', '/coupons', { body: { code: 7, discount: '5' } });
    expect([coupon.status, coupon.body.message]).toEqual([400, 'body/code must be string']);
    expect(await api.db.product.count()).toBe(before);
  });

  it('query strings and params still coerce (?page=2 is the number 2)', async () => {
    const res = await http<{ page: number; size: number }>(api, 'GET', '/products?page=2&size=3&sort=name');
    expect(res.status).toBe(200);
    expect([res.body.page, res.body.size]).toEqual([2, 3]);
  });

  it('text the database cannot store (NUL, unpaired surrogates) is a 400 naming the field, never a 500', async () => {
    const unstorable = (field: string) =>
      `${field} must not contain a NUL character (\\u0000) or an unpaired UTF-16 surrogate: the database cannot store such text`;
    // Raw bodies: the JSON escapes reach the server as a client would send them.
    const product = (name: string) => `{"name":"${name}","price":1,"stock":1}`;
    for (const name of ['a\\u0000b', '\\u0000', 'x\\ud800', '\\udc00y', 'a\\ude00\\ud83d']) {
      const res = await http(api, 'POST', '/products', { rawBody: product(name) });
      expect([res.status, res.body.code, res.body.message]).toEqual([
        400,
        'VALIDATION_FAILED',
        unstorable('body/name'),
      ]);
    }
    const coupon = await http(api, 'POST', '/coupons', { rawBody: '{"code":"C\\u0000","discount":1}' });
    expect([coupon.status, coupon.body.message]).toEqual([400, unstorable('body/code')]);
    const order = await http(api, 'POST', '/orders', {
      headers: member('b'),
      body: { items: [{ productId, quantity: 1 }] },
    });
    const payment = await http(api, 'POST', `/orders/${order.body.id as string}/payment`, {
      rawBody: '{"result":"failed","reason":"card\\u0000declined"}',
    });
    expect([payment.status, payment.body.message]).toEqual([400, unstorable('body/reason')]);
    expect((await api.db.order.findUnique({ where: { id: order.body.id as string } }))?.status).toBe('CREATED');

    // Text outside the BMP (a valid surrogate pair) and other control characters are stored as sent.
    const fine = await http(api, 'POST', '/products', {
      body: { name: 'Caf\u00e9 \u{1F600} tab\tbell\u0007', price: 1, stock: 1 },
    });
    expect(fine.status).toBe(201);
    expect((await api.db.product.findUnique({ where: { id: fine.body.id as string } }))?.name).toBe(
      'Caf\u00e9 \u{1F600} tab\tbell\u0007',
    );
  });

  it('a NUL byte in X-Member-Id or Idempotency-Key is a 400, never a 500', async () => {
    // fetch refuses to send such headers, so the request is written to the socket by hand.
    const raw = (headers: string, body: string) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(api.url);
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(
            `POST /orders HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${headers}\r\n${body}`,
          );
        });
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const body = JSON.stringify({ items: [{ productId, quantity: 1 }] });
    const before = await api.db.order.count();
    for (const headers of ['X-Member-Id: a\0b\r\n', 'X-Member-Id: ok\r\nIdempotency-Key: k\0\r\n']) {
      expect((await raw(headers, body)).split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    }
    expect(await api.db.order.count()).toBe(before);
    // The same headers without the NUL byte work (the requests above failed for the byte alone).
    expect((await raw(`X-Member-Id: ok\r\nIdempotency-Key: k-${randomUUID()}\r\n`, body)).split('\r\n')[0]).toBe(
      'HTTP/1.1 201 Created',
    );
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

  it('OpenAPI documents the 400 and the 503 TRY_AGAIN (with Retry-After) of every database route', async () => {
    const doc = await http<{
      paths: Record<
        string,
        Record<string, { responses: Record<string, { description: string; headers?: Record<string, unknown> }> }>
      >;
    }>(api, 'GET', '/docs/json');
    const routes = [
      ['/products', 'post'],
      ['/products', 'get'],
      ['/products/{id}', 'get'],
      ['/products/{id}/views', 'post'],
      ['/products/{id}/likes', 'post'],
      ['/products/{id}/likes', 'delete'],
      ['/orders', 'post'],
      ['/orders/{id}/payment', 'post'],
      ['/coupons', 'post'],
      ['/products/{id}/metrics', 'get'],
    ] as const;
    for (const [path, method] of routes) {
      const responses = doc.body.paths[path]?.[method]?.responses ?? {};
      expect([path, method, responses['400']?.description]).toEqual([path, method, expect.stringMatching(/coerced/)]);
      expect([path, method, responses['503']?.description]).toEqual([path, method, expect.stringMatching(/TRY_AGAIN/)]);
      expect(responses['503']?.headers).toHaveProperty('retry-after');
    }
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
