import { EventDecodeError, RegistryUnavailableError } from '@outbox/events';

/**
 * The one place where an error is sorted (SPEC 5.5). Three kinds, by what they say:
 * - `poison`: a property of the record. The same bytes fail the same way again: park them.
 * - `wait`: a property of the moment (a dependency is down, slow or refusing). Never park: the
 *   partition waits, retrying without bound, and the wait is visible.
 * - `abandon`: the batch lost its right to finish (rebalance, fenced member, shutdown). Stop at
 *   once without parking or committing: the records are redelivered and the inbox absorbs what
 *   was applied.
 * An error nobody recognises waits: an unknown cause must never turn a valid event into a dead
 * letter. A stall it causes is visible (status, metric, alert) and ends with a fix and a restart.
 */
export type Dependency = 'postgres' | 'redis' | 'registry' | 'kafka' | 'unknown';

export type Fault =
  | { kind: 'poison'; reason: string }
  | { kind: 'wait'; dependency: Dependency; reason: string }
  | { kind: 'abandon'; reason: string };

/** A record breaks the contract in a way no retry can change (thrown by a handler). */
export class ContractViolationError extends Error {
  override name = 'ContractViolationError';
}

/** The batch must stop now (rebalance or shutdown); nothing is parked or committed. */
export class BatchAbandonedError extends Error {
  override name = 'BatchAbandonedError';
}

/**
 * SQLSTATE classes that depend on the data, not on the server's state: 22 data exception
 * (a value out of range, invalid text), 23 integrity constraint violation (a CHECK failing),
 * P0 raised by PL/pgSQL (a trigger refusing a row). Everything else (connection, 08; resources,
 * 53; operator intervention and timeouts, 57; serialization and deadlock, 40; lock timeout,
 * 55P03; a missing table after a bad deploy, 42) is about the server or our code: it waits.
 */
const DETERMINISTIC_SQLSTATE = /^(22|23|P0)/;

/** Kafka group errors that mean "this member's batch is no longer its own". */
const REBALANCE_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

export function classify(err: unknown): Fault {
  const reason = messageOf(err);
  if (err instanceof BatchAbandonedError) return { kind: 'abandon', reason };
  if (err instanceof EventDecodeError || err instanceof ContractViolationError) return { kind: 'poison', reason };
  if (err instanceof RegistryUnavailableError) return { kind: 'wait', dependency: 'registry', reason };

  if (isMembershipLost(err)) return { kind: 'abandon', reason };
  if (isKafkaError(err)) return { kind: 'wait', dependency: 'kafka', reason };

  const postgres = postgresErrorOf(err);
  if (postgres) {
    if (postgres.sqlState !== undefined && DETERMINISTIC_SQLSTATE.test(postgres.sqlState))
      return { kind: 'poison', reason };
    return { kind: 'wait', dependency: 'postgres', reason };
  }
  if (isRedisError(err)) return { kind: 'wait', dependency: 'redis', reason };
  return { kind: 'wait', dependency: 'unknown', reason };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when a Kafka error says this member lost its place in the group (so did its batch). */
export function isMembershipLost(err: unknown): boolean {
  const type = kafkaErrorTypeOf(err);
  return type !== undefined && REBALANCE_TYPES.has(type);
}

/**
 * The Kafka protocol error's type, also when kafkajs wrapped it (its retrier turns a
 * non-retriable error into a KafkaJSNonRetriableError whose `cause` is the original).
 */
function kafkaErrorTypeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth += 1) {
    if ('type' in e && typeof e.type === 'string') return e.type;
    e = 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

function isKafkaError(err: unknown): boolean {
  return err instanceof Error && err.name.startsWith('KafkaJS');
}

/**
 * A PostgreSQL failure as Prisma 7's pg driver adapter reports it: PrismaClientKnownRequestError
 * (raw queries: P2010) with `meta.driverAdapterError.cause` = {kind: 'postgres', originalCode}
 * or {kind: 'DatabaseNotReachable' | ...}; other Prisma errors (P1xxx, pool timeouts,
 * PrismaClientInitializationError) carry no SQLSTATE and are all about the server's state.
 */
function postgresErrorOf(err: unknown): { sqlState?: string } | undefined {
  if (!(err instanceof Error) || !err.name.startsWith('PrismaClient')) {
    // the bare pg driver (migrations, tests) reports the SQLSTATE in `code`
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && err instanceof Error && 'severity' in err)
      return { sqlState: code };
    return undefined;
  }
  const cause = (err as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } } }).meta
    ?.driverAdapterError?.cause;
  const sqlState = cause?.originalCode ?? cause?.code;
  return { sqlState: typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) ? sqlState : undefined };
}

/** ioredis: connection errors, MaxRetriesPerRequestError, "Connection is closed.", READONLY, LOADING... */
function isRedisError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.name === 'ReplyError' ||
    err.name === 'RedisError' ||
    /Connection is closed|Stream isn't writeable|enableOfflineQueue/i.test(err.message)
  );
}
