import { createCommerceClient, inTransaction, type CommerceClient } from '@outbox/db';
import { Client } from 'pg';
import { apiTransaction, createApiDatabase } from '../src/db/client';
import { createProduct, http, member, outboxOf, startTestApi, type HttpResult, type TestApi } from './support';

/**
 * The api's time limits live on its database sessions (startup parameters of every pooled
 * connection), not in a statement per transaction: the one-statement writes have no
 * transaction to set them in, and the server must still abort what runs too long.
 */
describe('database session limits', () => {
  let api: TestApi;
  let holder: Client;
  beforeAll(async () => {
    api = await startTestApi();
    holder = new Client({ connectionString: api.config.databaseUrl });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await api.close();
  });

  const settingOf = async (db: Pick<CommerceClient, '$queryRaw'>, name: string) => {
    const [row] = await db.$queryRaw<{ setting: string; source: string }[]>`
      SELECT current_setting(${name}) AS setting, source FROM pg_settings WHERE name = ${name}`;
    return row;
  };

  it('every api session starts with lock_timeout 5s and statement_timeout 15s', async () => {
    expect(await settingOf(api.db, 'lock_timeout')).toEqual({ setting: '5s', source: 'client' });
    expect(await settingOf(api.db, 'statement_timeout')).toEqual({ setting: '15s', source: 'client' });
  });

  it('an api transaction sends no set_config: the limits in force are the session ones', async () => {
    const inside = await apiTransaction(api.db, async (tx) => [
      await settingOf(tx, 'lock_timeout'),
      await settingOf(tx, 'statement_timeout'),
    ]);
    // A set_config(..., true) in the transaction would show as source 'session'.
    expect(inside).toEqual([
      { setting: '5s', source: 'client' },
      { setting: '15s', source: 'client' },
    ]);
    // A client without the startup parameters still gets them, per transaction.
    const plain = createCommerceClient(api.config.databaseUrl, { max: 1 });
    try {
      const fallback = await apiTransaction(plain, (tx) => settingOf(tx, 'lock_timeout'));
      expect(fallback).toEqual({ setting: '5s', source: 'session' });
      const direct = await inTransaction(plain, (tx) => settingOf(tx, 'statement_timeout'));
      expect(direct).toEqual({ setting: '15s', source: 'session' });
    } finally {
      await plain.$disconnect();
    }
  });

  /** Holds FOR UPDATE on a product: a like's foreign key check (FOR KEY SHARE) waits for it. */
  const whileLocked = async <T>(productId: string, work: () => Promise<T>): Promise<T> => {
    await holder.query('BEGIN');
    try {
      await holder.query('SELECT id FROM products WHERE id = $1 FOR UPDATE', [productId]);
      return await work();
    } finally {
      await holder.query('ROLLBACK');
    }
  };

  const expectTryAgain = (res: HttpResult, reason: RegExp): void => {
    expect([res.status, res.body.code, res.headers.get('retry-after')]).toEqual([503, 'TRY_AGAIN', '1']);
    expect(res.body.details).toMatchObject({ reason: expect.stringMatching(reason) });
  };

  it('a one-statement like that runs past statement_timeout is canceled by the server (57014): 503, nothing written', async () => {
    const db = createApiDatabase({ ...api.config, databaseStatementTimeoutMs: 300, databaseLockTimeoutMs: 60_000 });
    const short = await startTestApi({ db });
    try {
      const productId = await createProduct(api, 5);
      const started = Date.now();
      const res = await whileLocked(productId, () =>
        http(short, 'POST', `/products/${productId}/likes`, { headers: member('sl-1') }),
      );
      expectTryAgain(res, /statement timeout/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await api.db.productLike.count({ where: { productId } })).toBe(0);
      expect(await outboxOf(api, productId)).toEqual([]);
      // Once the lock is gone the same request succeeds.
      expect((await http(short, 'POST', `/products/${productId}/likes`, { headers: member('sl-1') })).status).toBe(201);
    } finally {
      await short.close();
      await db.$disconnect();
    }
  });

  it('a one-statement view that waits past lock_timeout is aborted by the server (55P03): 503, nothing written', async () => {
    const db = createApiDatabase({ ...api.config, databaseLockTimeoutMs: 300 });
    const short = await startTestApi({ db });
    try {
      const productId = await createProduct(api, 5);
      const res = await whileLocked(productId, () =>
        http(short, 'POST', `/products/${productId}/views`, { headers: member('sl-2') }),
      );
      expectTryAgain(res, /lock timeout/);
      expect(await api.db.productView.count({ where: { productId } })).toBe(0);
      expect(await outboxOf(api, productId)).toEqual([]);
    } finally {
      await short.close();
      await db.$disconnect();
    }
  });
});
