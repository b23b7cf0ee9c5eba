import { messageOf } from '@outbox/config';
import { databaseFailureOf } from '@outbox/db';
import { EventDecodeError, RegistryUnavailableError } from '@outbox/events';

/**
 * The one place where an error is sorted (docs/guarantees.md). Three kinds, by what they say:
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
 * Every SQLSTATE class PostgreSQL defines, sorted by what it says (docs/guarantees.md):
 * - `poison`: the data of this record makes the statement fail, and would again on any retry
 *   (a value out of range, a CHECK, a trigger refusing the row, an index row too large);
 * - `wait`: the server, the connection, the schema or our own code is at fault, not the record
 *   (a deploy, a restart, a timeout, a lock, a full disk); a fix or time makes the retry pass.
 * A class missing from this table waits too: an unknown cause must never park a valid event.
 */
export const SQLSTATE_CLASSES: Readonly<Record<string, { kind: 'poison' | 'wait'; what: string }>> = {
  '00': { kind: 'wait', what: 'successful completion (not an error)' },
  '01': { kind: 'wait', what: 'warning' },
  '02': { kind: 'wait', what: 'no data' },
  '03': { kind: 'wait', what: 'SQL statement not yet complete' },
  '08': { kind: 'wait', what: 'connection exception' },
  '09': { kind: 'wait', what: 'triggered action exception' },
  '0A': { kind: 'wait', what: 'feature not supported (our SQL)' },
  '0B': { kind: 'wait', what: 'invalid transaction initiation' },
  '0F': { kind: 'wait', what: 'locator exception' },
  '0L': { kind: 'wait', what: 'invalid grantor' },
  '0P': { kind: 'wait', what: 'invalid role specification' },
  '0Z': { kind: 'wait', what: 'diagnostics exception' },
  '20': { kind: 'wait', what: 'case not found (our SQL)' },
  '21': { kind: 'poison', what: 'cardinality violation (the record repeats a row)' },
  '22': { kind: 'poison', what: 'data exception (a value out of range, invalid text)' },
  '23': { kind: 'poison', what: 'integrity constraint violation (a CHECK failing)' },
  '24': { kind: 'wait', what: 'invalid cursor state' },
  '25': { kind: 'wait', what: 'invalid transaction state (read-only standby after a failover)' },
  '26': { kind: 'wait', what: 'invalid SQL statement name' },
  '27': { kind: 'poison', what: 'triggered data change violation' },
  '28': { kind: 'wait', what: 'invalid authorization (credentials, pg_hba)' },
  '2B': { kind: 'wait', what: 'dependent privilege descriptors still exist' },
  '2D': { kind: 'wait', what: 'invalid transaction termination' },
  '2F': { kind: 'wait', what: 'SQL routine exception' },
  '34': { kind: 'wait', what: 'invalid cursor name' },
  '38': { kind: 'wait', what: 'external routine exception' },
  '39': { kind: 'wait', what: 'external routine invocation exception' },
  '3B': { kind: 'wait', what: 'savepoint exception' },
  '3D': { kind: 'wait', what: 'invalid catalog name (the database is missing)' },
  '3F': { kind: 'wait', what: 'invalid schema name' },
  '40': { kind: 'wait', what: 'transaction rollback (serialization failure, deadlock)' },
  '42': { kind: 'wait', what: 'syntax error or access rule violation (a bad deploy, a missing grant)' },
  '44': { kind: 'poison', what: 'WITH CHECK OPTION violation' },
  '53': { kind: 'wait', what: 'insufficient resources (disk full, out of memory, too many connections)' },
  '54': { kind: 'poison', what: 'program limit exceeded (an index row or a value too large)' },
  '55': { kind: 'wait', what: 'object not in prerequisite state (lock not available)' },
  '57': { kind: 'wait', what: 'operator intervention (shutdown, statement timeout, cancel)' },
  '58': { kind: 'wait', what: 'system error (I/O)' },
  '72': { kind: 'wait', what: 'snapshot failure' },
  F0: { kind: 'wait', what: 'configuration file error' },
  HV: { kind: 'wait', what: 'foreign data wrapper error' },
  P0: { kind: 'poison', what: 'PL/pgSQL raise (a trigger refusing the row)' },
  XX: { kind: 'wait', what: 'internal error (a crash or corruption on the server)' },
};

/** How a SQLSTATE is sorted: its class's kind; unknown classes and a missing SQLSTATE wait. */
export function sqlStateKind(sqlState: string | undefined): 'poison' | 'wait' {
  return (sqlState === undefined ? undefined : SQLSTATE_CLASSES[sqlState.slice(0, 2)])?.kind ?? 'wait';
}

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

  const postgres = databaseFailureOf(err);
  if (postgres) {
    if (sqlStateKind(postgres.sqlState) === 'poison') return { kind: 'poison', reason };
    return { kind: 'wait', dependency: 'postgres', reason };
  }
  if (isRedisError(err)) return { kind: 'wait', dependency: 'redis', reason };
  return { kind: 'wait', dependency: 'unknown', reason };
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

/** ioredis: connection errors, MaxRetriesPerRequestError, "Connection is closed.", a commandTimeout, READONLY, LOADING... */
function isRedisError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.name === 'ReplyError' ||
    err.name === 'RedisError' ||
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out/i.test(err.message)
  );
}
