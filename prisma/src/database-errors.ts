/**
 * What a failed database call says, read in one place for every package. Prisma 7 with
 * `@prisma/adapter-pg` wraps a PostgreSQL error in a `PrismaClient*Error` whose
 * `meta.driverAdapterError.cause` carries `kind` ('postgres', 'UniqueConstraintViolation',
 * 'DatabaseNotReachable', ...), `originalCode` (the SQLSTATE) and, for a unique violation, the
 * index; the bare pg driver (migrations, tests, the pool's own errors) reports the SQLSTATE in
 * `code` next to a `severity`. Errors are read by shape through their `cause` chain, so any
 * generated client matches.
 */
export interface DatabaseFailure {
  /** The SQLSTATE, when the server answered. */
  sqlState?: string;
  /** The driver adapter's kind of failure. */
  kind?: string;
  /** The unique index a UniqueConstraintViolation names. */
  constraintIndex?: string;
  /** Prisma's own code (P1001, P2002, P2024, ...). */
  prismaCode?: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const asSqlState = (value: unknown): string | undefined =>
  typeof value === 'string' && SQLSTATE.test(value) ? value : undefined;
const asText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The database failure an error reports, or undefined when it is not one. */
export function databaseFailureOf(err: unknown): DatabaseFailure | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 6; depth += 1) {
    const fields = e as {
      name?: unknown;
      code?: unknown;
      errorCode?: unknown;
      severity?: unknown;
      meta?: { driverAdapterError?: unknown };
      cause?: unknown;
    };
    const name = asText(fields.name) ?? '';
    if (name.startsWith('PrismaClient')) {
      const adapter = adapterFailureOf(fields.meta?.driverAdapterError);
      return { ...adapter, prismaCode: asText(fields.code) ?? asText(fields.errorCode) };
    }
    if (name === 'DriverAdapterError') return adapterFailureOf(e);
    if (typeof fields.severity === 'string' && asSqlState(fields.code)) return { sqlState: asSqlState(fields.code) };
    e = fields.cause;
  }
  return undefined;
}

/** `{ name: 'DriverAdapterError', cause: { kind, originalCode?, code?, constraint? } }`. */
function adapterFailureOf(adapterError: unknown): DatabaseFailure {
  const cause = (adapterError as { cause?: unknown } | undefined)?.cause as
    { kind?: unknown; originalCode?: unknown; code?: unknown; constraint?: { index?: unknown } } | undefined;
  if (!cause) return {};
  const kind = asText(cause.kind);
  return {
    kind,
    sqlState: asSqlState(cause.originalCode) ?? (kind === 'postgres' ? asSqlState(cause.code) : undefined),
    constraintIndex: asText(cause.constraint?.index),
  };
}
