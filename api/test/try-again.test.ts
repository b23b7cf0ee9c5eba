import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { createCommerceClient, inTransaction, type CommerceClient } from '@outbox/db';
import { Client } from 'pg';
import { classifyTransient } from '../src/errors';
import { createProduct, http, member, startTestApi, type HttpResult, type TestApi } from './support';

/**
 * Transient database limits answer 503 TRY_AGAIN with Retry-After, never 500: produced for real
 * against the test stack's PostgreSQL (row locks and backends of this test's own products only,
 * so other tests on the shared database are not held up).
 */
describe('transient database failures are 503 TRY_AGAIN', () => {
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

  const expectTryAgain = (res: HttpResult, retryAfter: number, reason: RegExp): void => {
    expect([res.status, res.body.code, res.body.error, res.headers.get('retry-after')]).toEqual([
      503,
      'TRY_AGAIN',
      'Service Unavailable',
      String(retryAfter),
    ]);
    expect(res.body.details).toMatchObject({ reason: expect.stringMatching(reason), retryAfterSeconds: retryAfter });
    // No internals: no SQL, no SQLSTATE, no stack.
    expect(String(res.body.message)).not.toMatch(/UPDATE|SELECT|55P03|57014|57P01|Prisma|at /);
  };

  /** Holds FOR UPDATE on a product row in the holder's open transaction. */
  const lockProduct = async (productId: string): Promise<void> => {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM products WHERE id = $1 FOR UPDATE', [productId]);
  };

  /** The backend of a request that waits for the holder's lock. */
  const waitingBackend = async (): Promise<number> => {
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    for (let i = 0; i < 100; i++) {
      const rows = await api.db.$queryRaw<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity WHERE ${holderPid}::int = ANY(pg_blocking_pids(pid))`;
      if (rows[0]) return rows[0].pid;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no request waited for the lock');
  };

  const order = (productId: string, key: string) =>
    http(api, 'POST', '/orders', {
      headers: { ...member('t-1'), 'idempotency-key': key },
      body: { items: [{ productId, quantity: 1 }] },
    });

  it('a lock held longer than lock_timeout (55P03): 503, nothing changed, and the retry succeeds', async () => {
    const productId = await createProduct(api, 5);
    const key = `k-${randomUUID()}`;
    await lockProduct(productId);
    let res: HttpResult;
    try {
      res = await order(productId, key); // waits the transaction's lock_timeout (5 s)
    } finally {
      await holder.query('ROLLBACK');
    }
    expectTryAgain(res, 1, /lock timeout/);
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(5);
    expect(await api.db.order.count({ where: { items: { some: { productId } } } })).toBe(0);

    const retry = await order(productId, key);
    expect(retry.status).toBe(201);
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(4);
  });

  it('a canceled statement (57014, as a statement timeout) and a terminated backend (57P01) are 503', async () => {
    const productId = await createProduct(api, 5);
    for (const [action, retryAfter, reason] of [
      ['pg_cancel_backend', 1, /statement timeout or canceled/],
      ['pg_terminate_backend', 5, /shutting down/],
    ] as const) {
      await lockProduct(productId);
      try {
        const pending = order(productId, `k-${randomUUID()}`);
        const pid = await waitingBackend();
        await holder.query(`SELECT ${action}($1)`, [pid]);
        expectTryAgain(await pending, retryAfter, reason);
      } finally {
        await holder.query('ROLLBACK');
      }
    }
    expect((await api.db.product.findUnique({ where: { id: productId } }))?.stock).toBe(5);
    // The pool dropped the terminated connection: the api serves the next request.
    expect((await order(productId, `k-${randomUUID()}`)).status).toBe(201);
  });

  it('an exhausted connection pool (every connection busy past the pool timeout) is 503', async () => {
    const productId = await createProduct(api, 5);
    const db = createCommerceClient(api.config.databaseUrl, { max: 1, connectionTimeoutMillis: 300 });
    const small = await startTestApi({ db });
    try {
      // A Prisma query runs when it is awaited or then-ed: start it now, holding the only connection.
      const busy = db.$queryRaw`SELECT pg_sleep(2)::text`.then(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expectTryAgain(await http(small, 'GET', `/products/${randomUUID()}`), 2, /connection pool exhausted/);
      expectTryAgain(
        await http(small, 'POST', `/products/${productId}/likes`, { headers: member('t-2') }),
        2,
        /connection pool exhausted/,
      );
      await busy;
      expect((await http(small, 'POST', `/products/${productId}/likes`, { headers: member('t-2') })).status).toBe(201);
    } finally {
      await small.close();
      await db.$disconnect();
    }
  });

  it('PostgreSQL unreachable (connection refused) is 503 on reads and writes', async () => {
    const port = await closedPort();
    const url = new URL(api.config.databaseUrl);
    url.port = String(port);
    const db = createCommerceClient(url.toString());
    const down = await startTestApi({ db });
    try {
      const productId = randomUUID();
      expectTryAgain(await http(down, 'GET', `/products/${productId}`), 5, /not reachable/);
      expectTryAgain(
        await http(down, 'POST', '/products', { body: { name: 'x', price: 1, stock: 1 } }),
        5,
        /not reachable/,
      );
      expectTryAgain(
        await http(down, 'POST', `/products/${productId}/likes`, { headers: member('t-3') }),
        5,
        /not reachable/,
      );
      expectTryAgain(
        await http(down, 'POST', '/orders', {
          headers: member('t-3'),
          body: { items: [{ productId, quantity: 1 }] },
        }),
        5,
        /not reachable/,
      );
    } finally {
      await down.close();
      await db.$disconnect();
    }
  });
});

/**
 * The one classification (api/src/errors.ts) against the errors Prisma 7 and the pg driver
 * adapter really throw, for the failures the routes above cannot provoke on demand.
 */
describe('classifyTransient on real Prisma errors', () => {
  let api: TestApi;
  let db: CommerceClient;
  beforeAll(async () => {
    api = await startTestApi();
    db = api.db;
  });
  afterAll(() => api.close());

  const errorOf = async (work: () => Promise<unknown>): Promise<unknown> => {
    try {
      await work();
    } catch (err) {
      return err;
    }
    throw new Error('expected a failure');
  };

  it('deadlock (40P01) and serialization failure (40001) are contention', async () => {
    const a = await createProduct(api, 5);
    const b = await createProduct(api, 5);
    let release!: () => void;
    const bothLocked = new Promise<void>((resolve) => (release = resolve));
    let locked = 0;
    const lockThen = (first: string, second: string) =>
      inTransaction(db, async (tx) => {
        await tx.$executeRaw`UPDATE products SET stock = stock WHERE id = ${first}::uuid`;
        if (++locked === 2) release();
        await bothLocked;
        await tx.$executeRaw`UPDATE products SET stock = stock WHERE id = ${second}::uuid`;
      });
    const results = await Promise.allSettled([lockThen(a, b), lockThen(b, a)]);
    const deadlock = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(classifyTransient(deadlock.reason)).toEqual({
      cause: 'contention',
      reason: 'deadlock',
      retryAfterSeconds: 1,
    });

    // Write skew under SERIALIZABLE: both read a and b, each writes one; the second commit fails.
    let reads = 0;
    let bothRead!: () => void;
    const readDone = new Promise<void>((resolve) => (bothRead = resolve));
    const skew = (target: string) =>
      db.$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT sum(stock)::int AS s FROM products WHERE id IN (${a}::uuid, ${b}::uuid)`;
          if (++reads === 2) bothRead();
          await readDone;
          await tx.$executeRaw`UPDATE products SET stock = stock - 1 WHERE id = ${target}::uuid`;
        },
        { isolationLevel: 'Serializable' },
      );
    const skewed = await Promise.allSettled([skew(a), skew(b)]);
    const conflict = skewed.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(classifyTransient(conflict.reason)).toMatchObject({ cause: 'contention', retryAfterSeconds: 1 });
  });

  it('idle-in-transaction timeout (25P03) ends the connection: unavailable, retry', async () => {
    const err = await errorOf(() =>
      inTransaction(db, async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL idle_in_transaction_session_timeout = '100ms'`);
        await new Promise((resolve) => setTimeout(resolve, 400));
        await tx.$queryRaw`SELECT 1`;
      }),
    );
    // The server closes the session (FATAL 25P03); node-postgres reports the lost connection.
    expect(classifyTransient(err)).toEqual({
      cause: 'unavailable',
      reason: 'database connection lost',
      retryAfterSeconds: 5,
    });
  });

  it('too many connections (53300) is capacity', async () => {
    const role = `try_again_${randomUUID().slice(0, 8)}`;
    await db.$executeRawUnsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'x' CONNECTION LIMIT 0`);
    const url = new URL(api.config.databaseUrl);
    url.username = role;
    url.password = 'x';
    const limited = createCommerceClient(url.toString());
    try {
      const err = await errorOf(() => limited.$queryRaw`SELECT 1`);
      expect(classifyTransient(err)).toEqual({
        cause: 'capacity',
        reason: 'too many database connections',
        retryAfterSeconds: 2,
      });
    } finally {
      await limited.$disconnect();
      await db.$executeRawUnsafe(`DROP ROLE ${role}`);
    }
  });

  it('a transaction that cannot start within maxWait (P2028) is capacity; a bug stays a 500', () => {
    // P2028 needs a 10 s wait (TRANSACTION_LIMITS.maxWaitMs): its shape, as Prisma builds it.
    const p2028 = Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), {
      name: 'PrismaClientKnownRequestError',
      code: 'P2028',
      meta: {},
    });
    expect(classifyTransient(p2028)).toMatchObject({ cause: 'capacity' });
    expect(classifyTransient(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
    expect(
      classifyTransient(
        Object.assign(new Error('Unique constraint failed'), { name: 'PrismaClientKnownRequestError', code: 'P2002' }),
      ),
    ).toBeUndefined();
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
