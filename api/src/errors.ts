import { databaseFailureOf } from '@outbox/db';

/** Every error code the api answers with, in one place. */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  PRODUCT_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  COUPON_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  INSUFFICIENT_STOCK: 409,
  COUPON_ALREADY_USED: 409,
  ORDER_ALREADY_SETTLED: 409,
  COUPON_CODE_TAKEN: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  AMOUNT_OUT_OF_RANGE: 422,
  DEPENDENCY_UNAVAILABLE: 503,
  TRY_AGAIN: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error the client caused or must know about; anything else is a 500 without internals. */
export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = ERROR_CODES[code];
  }
}

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The JSON schema of every error response (OpenAPI). */
export const errorResponseSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    error: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/**
 * Why a database failure is worth retrying: the request did nothing wrong, the database is
 * busy (a lock or statement limit fired, a conflict aborted the transaction), full (pool or
 * connection slots exhausted) or away (down, restarting, connection lost).
 */
export type TransientCause = 'contention' | 'capacity' | 'unavailable';

export interface TransientFailure {
  cause: TransientCause;
  /** What happened, for the client and the log (never SQL or data). */
  reason: string;
  retryAfterSeconds: number;
}

const RETRY_AFTER_SECONDS: Record<TransientCause, number> = { contention: 1, capacity: 2, unavailable: 5 };

/** SQLSTATEs that say "try again", and class 08 (connection exception) below. */
const TRANSIENT_SQLSTATES: Record<string, [TransientCause, string]> = {
  '55P03': ['contention', 'lock timeout'],
  '57014': ['contention', 'statement timeout or canceled query'],
  '25P03': ['contention', 'idle-in-transaction timeout'],
  '40001': ['contention', 'serialization failure'],
  '40P01': ['contention', 'deadlock'],
  '53300': ['capacity', 'too many database connections'],
  '57P01': ['unavailable', 'database shutting down'],
  '57P02': ['unavailable', 'database crashed'],
  '57P03': ['unavailable', 'database not accepting connections yet'],
  '57P05': ['unavailable', 'idle session timeout'],
};

/** The driver adapter's error kinds (`@prisma/adapter-pg` maps pg and socket errors to these). */
const TRANSIENT_ADAPTER_KINDS: Record<string, [TransientCause, string]> = {
  DatabaseNotReachable: ['unavailable', 'database not reachable'],
  ConnectionClosed: ['unavailable', 'database connection closed'],
  SocketTimeout: ['unavailable', 'database socket timeout'],
  TooManyConnections: ['capacity', 'too many database connections'],
  TransactionWriteConflict: ['contention', 'write conflict or deadlock'],
};

/** Prisma's own codes for the same failures (and for its transaction manager's time limits). */
const TRANSIENT_PRISMA_CODES: Record<string, [TransientCause, string]> = {
  P1001: ['unavailable', 'database not reachable'],
  P1002: ['unavailable', 'database timed out'],
  P1008: ['unavailable', 'database operation timed out'],
  P1017: ['unavailable', 'database connection closed'],
  P2024: ['capacity', 'connection pool timeout'],
  P2028: ['capacity', 'transaction could not start or expired in time'],
  P2034: ['contention', 'write conflict or deadlock'],
  P2037: ['capacity', 'too many database connections'],
};

/** Socket errors of the pg driver when they are not wrapped (a connection attempt of the pool). */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * node-postgres throws plain Errors for these (the adapter passes them through unchanged):
 * the pool's `connectionTimeoutMillis` and a connection that died under the client.
 */
const TRANSIENT_PG_MESSAGES: [RegExp, TransientCause, string][] = [
  [/^timeout exceeded when trying to connect/i, 'capacity', 'connection pool exhausted'],
  [/^Connection terminated/i, 'unavailable', 'database connection lost'],
  [/^Client has encountered a connection error and is not queryable/i, 'unavailable', 'database connection lost'],
  [/^Client was closed and is not queryable/i, 'unavailable', 'database connection lost'],
];

const failure = ([cause, reason]: [TransientCause, string]): TransientFailure => ({
  cause,
  reason,
  retryAfterSeconds: RETRY_AFTER_SECONDS[cause],
});

function fromSqlState(code: string | undefined): TransientFailure | undefined {
  if (code === undefined) return undefined;
  const known = TRANSIENT_SQLSTATES[code];
  if (known) return failure(known);
  if (code.startsWith('08')) return failure(['unavailable', 'database connection failure']);
  return undefined;
}

/**
 * The ONE classification of database failures: a transient one (the same request can succeed
 * a moment later) gets a 503 TRY_AGAIN with Retry-After; anything else stays a 500.
 *
 * The SQLSTATE, the adapter's kind and Prisma's code come from @outbox/db (databaseFailureOf,
 * the one reader of database errors); what node-postgres throws unwrapped (a socket error, the
 * pool's own connection timeout, a connection that died) is read here, through the cause chain.
 */
export function classifyTransient(err: unknown): TransientFailure | undefined {
  const database = databaseFailureOf(err);
  if (database) {
    const bySqlState = fromSqlState(database.sqlState);
    if (bySqlState) return bySqlState;
    const byKindOrCode =
      (database.kind ? TRANSIENT_ADAPTER_KINDS[database.kind] : undefined) ??
      (database.prismaCode ? TRANSIENT_PRISMA_CODES[database.prismaCode] : undefined);
    if (byKindOrCode) return failure(byKindOrCode);
  }
  // What node-postgres throws unwrapped: a socket error, the pool's timeout, a dead connection.
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 6; depth += 1) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && TRANSIENT_SOCKET_CODES.has(code))
      return failure(['unavailable', 'database not reachable']);
    const byMessage =
      typeof message === 'string' ? TRANSIENT_PG_MESSAGES.find(([pattern]) => pattern.test(message)) : undefined;
    if (byMessage) return failure([byMessage[1], byMessage[2]]);
    e = cause;
  }
  return undefined;
}
