import { createCommerceClient, inTransaction, TRANSACTION_LIMITS, type CommerceClient } from '../src';
import { createThrowawayDb, type ThrowawayDb } from './helpers';

/** The server, not Prisma's non-atomic timer, bounds every transaction (prisma/orm#29762). */
describe('inTransaction', () => {
  let throwaway: ThrowawayDb;
  let db: CommerceClient;
  beforeAll(async () => {
    throwaway = await createThrowawayDb();
    db = createCommerceClient(throwaway.url, { max: 2 });
  });
  afterAll(async () => {
    await db.$disconnect();
    await throwaway.drop();
  });

  it('sets lock and statement timeouts for the transaction only', async () => {
    const inside = await inTransaction(db, async (tx) => {
      const [lock] = await tx.$queryRaw<{ lock_timeout: string }[]>`SHOW lock_timeout`;
      const [statement] = await tx.$queryRaw<{ statement_timeout: string }[]>`SHOW statement_timeout`;
      return [lock?.lock_timeout, statement?.statement_timeout];
    });
    expect(inside).toEqual([TRANSACTION_LIMITS.lockTimeout, TRANSACTION_LIMITS.statementTimeout]);
    const [after] = await db.$queryRaw<{ lock_timeout: string }[]>`SHOW lock_timeout`;
    expect(after?.lock_timeout).toBe('0');
  });

  it('a statement over the limit aborts the whole transaction on the server', async () => {
    await db.$executeRawUnsafe('CREATE TABLE IF NOT EXISTS tx_probe (id int PRIMARY KEY)');
    const attempt = inTransaction(db, async (tx) => {
      await tx.$executeRawUnsafe('INSERT INTO tx_probe VALUES (1)');
      await tx.$executeRawUnsafe("SET LOCAL statement_timeout = '100ms'");
      await tx.$executeRawUnsafe('SELECT pg_sleep(1)');
    });
    await expect(attempt).rejects.toThrow(/statement timeout/);
    const [row] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM tx_probe`;
    expect(Number(row?.n)).toBe(0);
  });
});
