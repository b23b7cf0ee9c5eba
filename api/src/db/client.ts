import { createCommerceClient, inTransaction, type CommerceClient, type PoolOptions } from '@outbox/db';
import type { ApiConfig } from '../config';
import type { Tx } from '../outbox/outbox-writer';

/** The server-side limits of a database session, in milliseconds. */
export interface SessionLimits {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/**
 * The limits as PostgreSQL startup parameters (node-postgres `options`, libpq `PGOPTIONS`):
 * every session opened with them has them for every statement, in a transaction or not, so
 * no request spends a round trip on `set_config`.
 */
export function sessionLimitOptions(limits: SessionLimits): string {
  return `-c lock_timeout=${limits.lockTimeoutMs}ms -c statement_timeout=${limits.statementTimeoutMs}ms`;
}

/** Clients made by createApiDatabase: each of their sessions carries the limits. */
const limitedOnConnection = new WeakSet<object>();

/**
 * The api's database client: a pool whose every connection starts with the lock and
 * statement timeouts, so PostgreSQL aborts what runs too long (55P03, 57014: 503 TRY_AGAIN),
 * for one-statement writes (no transaction to set them in) and transactions alike.
 */
export function createApiDatabase(
  config: Pick<
    ApiConfig,
    'databaseUrl' | 'databasePoolMax' | 'databasePoolTimeoutMs' | 'databaseLockTimeoutMs' | 'databaseStatementTimeoutMs'
  >,
  pool: PoolOptions = {},
): CommerceClient {
  const limits = sessionLimitOptions({
    lockTimeoutMs: config.databaseLockTimeoutMs,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  const db = createCommerceClient(config.databaseUrl, {
    max: config.databasePoolMax,
    // A request never waits forever for a pooled connection: after the timeout it is a 503 TRY_AGAIN.
    connectionTimeoutMillis: config.databasePoolTimeoutMs,
    ...pool,
    options: [pool.options, limits].filter(Boolean).join(' '),
  });
  limitedOnConnection.add(db);
  return db;
}

/**
 * An interactive transaction of the api. With a client of createApiDatabase the session
 * already carries the limits; any other client (tests inject some) gets them per transaction.
 */
export function apiTransaction<R>(db: CommerceClient, work: (tx: Tx) => Promise<R>): Promise<R> {
  return inTransaction(db, work, { limitsOnConnection: limitedOnConnection.has(db) });
}
