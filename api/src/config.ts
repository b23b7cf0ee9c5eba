import { TRANSACTION_LIMITS } from '@outbox/db';
import {
  DAY_MS,
  DEFAULT_OUTBOX_RETENTION_DAYS,
  endpointsOf,
  loadStackConfig,
  parseEnv,
  SERVICE_PORTS,
} from '@outbox/config';
import { z } from 'zod';

/** The api's settings: one defaults object, names that carry their unit, validated at start-up. */
export interface ApiConfig {
  port: number;
  host: string;
  logLevel: string;
  databaseUrl: string;
  databasePoolMax: number;
  /** How long a request waits for a pooled connection before it answers 503 TRY_AGAIN. */
  databasePoolTimeoutMs: number;
  /**
   * Server-side limits of every database session of the api (startup parameters of each pooled
   * connection): a lock wait or a statement over them is aborted by PostgreSQL (55P03, 57014),
   * atomically, and answers 503 TRY_AGAIN.
   */
  databaseLockTimeoutMs: number;
  databaseStatementTimeoutMs: number;
  redisUrl: string;
  schemaRegistryUrl: string;
  streamerUrl: string;
  cacheTtlSeconds: number;
  bodyLimitBytes: number;
  outboxRetentionMs: number;
  outboxCleanupIntervalMs: number;
  outboxCleanupBatchSize: number;
  /** The connector's replication slot: cleanup deletes nothing while it does not exist. */
  outboxSlotName: string;
}

const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  API_PORT: z.coerce.number().int().min(1).max(65535).default(SERVICE_PORTS.api),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_MAX: positiveInt.default(20),
  DATABASE_POOL_TIMEOUT_MS: positiveInt.default(5000),
  DATABASE_LOCK_TIMEOUT_MS: positiveInt.default(TRANSACTION_LIMITS.lockTimeoutMs),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(TRANSACTION_LIMITS.statementTimeoutMs),
  REDIS_URL: z.string().url().optional(),
  SCHEMA_REGISTRY_URL: z.string().url().optional(),
  STREAMER_URL: z.string().url().default(`http://127.0.0.1:${SERVICE_PORTS.streamer}`),
  CACHE_TTL_SECONDS: positiveInt.default(60),
  BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
  OUTBOX_RETENTION_DAYS: z.coerce.number().positive().default(DEFAULT_OUTBOX_RETENTION_DAYS),
  OUTBOX_CLEANUP_INTERVAL_MS: positiveInt.default(60 * 60 * 1000),
  OUTBOX_CLEANUP_BATCH_SIZE: positiveInt.default(1000),
  OUTBOX_SLOT_NAME: z.string().min(1).default('commerce_outbox'),
});

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const e = parseEnv(schema, env, 'api');
  // Addresses default to the native stack's (STACK_PROFILE, PG_PORT, ...), so `npm start` needs no settings.
  const stack = endpointsOf(loadStackConfig(env), 'api');
  return {
    port: e.API_PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL ?? stack.postgresUrl('commerce'),
    databasePoolMax: e.DATABASE_POOL_MAX,
    databasePoolTimeoutMs: e.DATABASE_POOL_TIMEOUT_MS,
    databaseLockTimeoutMs: e.DATABASE_LOCK_TIMEOUT_MS,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    redisUrl: e.REDIS_URL ?? stack.redisUrl,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL ?? stack.registryUrl,
    streamerUrl: e.STREAMER_URL,
    cacheTtlSeconds: e.CACHE_TTL_SECONDS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    outboxRetentionMs: e.OUTBOX_RETENTION_DAYS * DAY_MS,
    outboxCleanupIntervalMs: e.OUTBOX_CLEANUP_INTERVAL_MS,
    outboxCleanupBatchSize: e.OUTBOX_CLEANUP_BATCH_SIZE,
    outboxSlotName: e.OUTBOX_SLOT_NAME,
  };
}
