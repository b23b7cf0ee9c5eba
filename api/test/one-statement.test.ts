import type { CommerceClient } from '@outbox/db';
import { createApiDatabase } from '../src/db/client';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

/**
 * The hot writes are ONE statement each (api/src/db/hot-writes.ts): no interactive transaction,
 * one round trip, business row and outbox row written by the same statement.
 */
describe('hot writes are one statement', () => {
  let api: TestApi;
  let counted: TestApi;
  let db: CommerceClient;
  const calls: string[] = [];
  beforeAll(async () => {
    api = await startTestApi();
    db = createApiDatabase(api.config);
    // Every client method the services call, recorded by name.
    const spy = new Proxy(db, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string' || !prop.startsWith('$') || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(prop);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    counted = await startTestApi({ db: spy });
  });
  afterAll(async () => {
    await counted.close();
    await db.$disconnect();
    await api.close();
  });

  it('like, like again, unlike, unlike again and view: one $queryRaw each, no transaction', async () => {
    const productId = await createProduct(api, 5);
    const statuses: number[] = [];
    for (const [method, path] of [
      ['POST', 'likes'],
      ['POST', 'likes'],
      ['DELETE', 'likes'],
      ['DELETE', 'likes'],
      ['POST', 'views'],
    ] as const) {
      calls.length = 0;
      statuses.push(
        (await http(counted, method, `/products/${productId}/${path}`, { headers: member('os-1') })).status,
      );
      expect(calls).toEqual(['$queryRaw']);
    }
    expect(statuses).toEqual([201, 200, 200, 200, 201]);
    expect((await outboxOf(api, productId)).map((r) => r.type)).toEqual([
      'PRODUCT_LIKED',
      'PRODUCT_UNLIKED',
      'PRODUCT_VIEWED',
    ]);
  });
});
