/**
 * Interactive transactions with database-enforced time limits.
 *
 * Prisma's own transaction timeout is not atomic: when it fires, a statement dispatched late
 * can reach the connection after the ROLLBACK and autocommit (prisma/orm#29762), which would
 * split a business row from its outbox row, or an inbox row from its effect. So Prisma's
 * timer is set far out of reach, and PostgreSQL itself bounds every statement and lock wait:
 * when one of those fires, the server aborts the whole transaction, atomically.
 *
 * Where the limits come from: a client whose pool opens every session with them (the
 * `options` startup parameter `-c lock_timeout=... -c statement_timeout=...`, as the api's
 * pool does: api/src/db.ts) needs no statement per transaction;
 * it says so with `{ limitsOnConnection: true }`. Any other client gets them from a first
 * `set_config(..., true)` statement in each transaction, as before.
 */
export const TRANSACTION_LIMITS = {
  lockTimeout: '5s',
  statementTimeout: '15s',
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
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

export interface InTransactionOptions {
  /**
   * True when every connection of the client's pool was opened with the limits as startup
   * parameters (the server applies them to each session): no `set_config` statement is sent.
   */
  limitsOnConnection?: boolean;
}

const SET_LIMITS = `SELECT set_config('lock_timeout', '${TRANSACTION_LIMITS.lockTimeout}', true), set_config('statement_timeout', '${TRANSACTION_LIMITS.statementTimeout}', true)`;

export function inTransaction<Tx extends RawExecutor, R>(
  db: TransactionalClient<Tx>,
  work: (tx: Tx) => Promise<R>,
  options: InTransactionOptions = {},
): Promise<R> {
  return db.$transaction(
    async (tx) => {
      if (!options.limitsOnConnection) await tx.$executeRawUnsafe(SET_LIMITS);
      return work(tx);
    },
    { timeout: TRANSACTION_LIMITS.clientTimeoutMs, maxWait: TRANSACTION_LIMITS.maxWaitMs },
  );
}
