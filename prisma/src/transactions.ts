/**
 * Interactive transactions with database-enforced time limits.
 *
 * Prisma's own transaction timeout is not atomic: when it fires, a statement dispatched late
 * can reach the connection after the ROLLBACK and autocommit (prisma/orm#29762), which would
 * split a business row from its outbox row, or an inbox row from its effect. So Prisma's
 * timer is set far out of reach, and PostgreSQL itself bounds every statement and lock wait:
 * when one of those fires, the server aborts the whole transaction, atomically.
 */
export const TRANSACTION_LIMITS = {
  lockTimeout: '5s',
  statementTimeout: '15s',
  /** Prisma's timer: only a backstop, far beyond what the server limits allow in practice. */
  clientTimeoutMs: 120_000,
  maxWaitMs: 10_000,
} as const;

interface RawExecutor {
  $executeRawUnsafe(query: string): Promise<number>;
}

interface TransactionalClient<Tx extends RawExecutor> {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

export function inTransaction<Tx extends RawExecutor, R>(
  db: TransactionalClient<Tx>,
  work: (tx: Tx) => Promise<R>,
): Promise<R> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(
        `SELECT set_config('lock_timeout', '${TRANSACTION_LIMITS.lockTimeout}', true), set_config('statement_timeout', '${TRANSACTION_LIMITS.statementTimeout}', true)`,
      );
      return work(tx);
    },
    { timeout: TRANSACTION_LIMITS.clientTimeoutMs, maxWait: TRANSACTION_LIMITS.maxWaitMs },
  );
}
