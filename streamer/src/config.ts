import {
  clientLoginsFromEnv,
  CONSUMER_SESSION_MS,
  DAY_MS,
  DEFAULT_GROUP_IDS,
  DEFAULT_INBOX_RETENTION_DAYS,
  endpointsOf,
  type KafkaSasl,
  loadStackConfig,
  parseEnv,
  SERVICE_PORTS,
} from '@outbox/config';
import { z } from 'zod';

/** The streamer's settings: one defaults object, names that carry their unit, validated at start-up. */
export interface StreamerConfig {
  port: number;
  host: string;
  logLevel: string;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  /** The streamer's Kafka login (the cluster topology: SASL/SCRAM, docs/security.md). */
  kafkaSasl?: KafkaSasl;
  /** Longest pause between kafkajs retries, and before it restarts a crashed consumer (kafkajs default 30 s). */
  kafkaRetryMaxMs: number;
  schemaRegistryUrl: string;
  metricsGroupId: string;
  cacheGroupId: string;
  /** batch: one transaction per partition batch (default); single: one event per transaction. */
  applyMode: 'batch' | 'single';
  /** Attempts for a record that fails deterministically before it is parked in the DLQ. */
  maxAttempts: number;
  /** Backoff between retries; a dependency outage is retried without bound, heartbeating. */
  retryBaseMs: number;
  retryMaxMs: number;
  dlqPublishIntervalMs: number;
  partitionsConsumedConcurrently: number;
  sessionTimeoutMs: number;
  inboxRetentionMs: number;
  inboxPurgeIntervalMs: number;
  /** Fault injection for the crash test only: SIGKILL itself after a database commit, before the offset commit. */
  crashAfterDbCommit: boolean;
}

/** Longest a Redis command may take (the cache group's invalidations take about a millisecond). */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  STREAMER_PORT: z.coerce.number().int().min(1).max(65535).default(SERVICE_PORTS.streamer),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STREAMER_DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  KAFKA_BROKERS: z.string().min(1).optional(),
  // A lost broker makes kafkajs retry, then restart the consumer after its last backoff: with its
  // default 30 s cap that took 8-13 s after a broker kill on the cluster; 1 s keeps it short.
  KAFKA_RETRY_MAX_MS: positiveInt.default(1_000),
  SCHEMA_REGISTRY_URL: z.string().url().optional(),
  METRICS_GROUP_ID: z.string().min(1).default(DEFAULT_GROUP_IDS.metrics),
  CACHE_GROUP_ID: z.string().min(1).default(DEFAULT_GROUP_IDS.cacheInvalidation),
  APPLY_MODE: z.enum(['batch', 'single']).default('batch'),
  MAX_ATTEMPTS: positiveInt.default(5),
  RETRY_BASE_MS: positiveInt.default(200),
  // Well under the session timeout: a waiting member heartbeats between sleeps anyway.
  RETRY_MAX_MS: positiveInt.default(5_000),
  DLQ_PUBLISH_INTERVAL_MS: positiveInt.default(5_000),
  PARTITIONS_CONSUMED_CONCURRENTLY: positiveInt.default(3),
  // Default by the stack's topology (CONSUMER_SESSION_MS): 10 s, 3 s on the cluster.
  KAFKA_SESSION_TIMEOUT_MS: positiveInt.optional(),
  // Longer than the topics' retention (7 days): a redelivery older than that cannot happen.
  INBOX_RETENTION_DAYS: z.coerce.number().positive().default(DEFAULT_INBOX_RETENTION_DAYS),
  INBOX_PURGE_INTERVAL_MS: positiveInt.default(60 * 60 * 1000),
  STREAMER_CRASH_AFTER_DB_COMMIT: z.enum(['true', 'false']).default('false'),
});

export function loadStreamerConfig(env: NodeJS.ProcessEnv = process.env): StreamerConfig {
  const e = parseEnv(schema, env, 'streamer');
  const stackConfig = loadStackConfig(env);
  const stack = endpointsOf(stackConfig, 'streamer');
  const { kafkaSasl } = clientLoginsFromEnv(env, stack);
  return {
    port: e.STREAMER_PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.STREAMER_DATABASE_URL ?? stack.postgresUrl('streamer'),
    redisUrl: e.REDIS_URL ?? stack.redisUrl,
    kafkaBrokers: e.KAFKA_BROKERS ? e.KAFKA_BROKERS.split(',').map((b) => b.trim()) : stack.kafkaBrokers,
    ...(kafkaSasl ? { kafkaSasl } : {}),
    kafkaRetryMaxMs: e.KAFKA_RETRY_MAX_MS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL ?? stack.registryUrl,
    metricsGroupId: e.METRICS_GROUP_ID,
    cacheGroupId: e.CACHE_GROUP_ID,
    applyMode: e.APPLY_MODE,
    maxAttempts: e.MAX_ATTEMPTS,
    retryBaseMs: e.RETRY_BASE_MS,
    retryMaxMs: e.RETRY_MAX_MS,
    dlqPublishIntervalMs: e.DLQ_PUBLISH_INTERVAL_MS,
    partitionsConsumedConcurrently: e.PARTITIONS_CONSUMED_CONCURRENTLY,
    sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS ?? CONSUMER_SESSION_MS[stackConfig.topology],
    inboxRetentionMs: e.INBOX_RETENTION_DAYS * DAY_MS,
    inboxPurgeIntervalMs: e.INBOX_PURGE_INTERVAL_MS,
    crashAfterDbCommit: e.STREAMER_CRASH_AFTER_DB_COMMIT === 'true',
  };
}
