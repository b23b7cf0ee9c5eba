import { loadConnector } from '@outbox/connect';
import { endpointsOf, loadStackConfig, parseEnv } from '@outbox/stack';
import { z } from 'zod';

/** What the status command looks at, and the limits beyond which the pipeline is degraded. */
export interface StatusConfig {
  commerceDatabaseUrl: string;
  streamerDatabaseUrl: string;
  kafkaBrokers: string[];
  connectUrl: string;
  connectorName: string;
  slotName: string;
  groups: { metrics: string; cacheInvalidation: string };
  thresholds: StatusThresholds;
}

export interface StatusThresholds {
  /** Unconfirmed WAL behind the slot. Heartbeats confirm every few seconds, so a healthy slot stays far below. */
  maxSlotLagBytes: number;
  /** Records a running group may be behind (a burst); a group with no member is degraded at any lag. */
  maxConsumerLag: number;
  /** Oldest outbox row allowed: the cleanup retention plus one cleanup cycle of slack. */
  maxOutboxAgeSeconds: number;
}

const DAY_SECONDS = 24 * 60 * 60;
const MIB = 1024 * 1024;

const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  STREAMER_DATABASE_URL: z.string().url().optional(),
  KAFKA_BROKERS: z.string().min(1).optional(),
  CONNECT_URL: z.string().url().optional(),
  METRICS_GROUP_ID: z.string().min(1).default('metrics'),
  CACHE_GROUP_ID: z.string().min(1).default('cache-invalidation'),
  OUTBOX_RETENTION_DAYS: z.coerce.number().positive().default(7),
  STATUS_MAX_SLOT_LAG_MB: z.coerce.number().positive().default(256),
  STATUS_MAX_CONSUMER_LAG: z.coerce.number().int().nonnegative().default(10_000),
});

export function loadStatusConfig(env: NodeJS.ProcessEnv = process.env): StatusConfig {
  const e = parseEnv(schema, env, 'status');
  const stack = loadStackConfig(env);
  const endpoints = endpointsOf(stack);
  const connector = loadConnector(stack);
  return {
    commerceDatabaseUrl: e.DATABASE_URL ?? endpoints.postgresUrl('commerce'),
    streamerDatabaseUrl: e.STREAMER_DATABASE_URL ?? endpoints.postgresUrl('streamer'),
    kafkaBrokers: e.KAFKA_BROKERS ? e.KAFKA_BROKERS.split(',').map((b) => b.trim()) : endpoints.kafkaBrokers,
    connectUrl: e.CONNECT_URL ?? endpoints.connectUrl,
    connectorName: connector.name,
    slotName: String(connector.config['slot.name']),
    groups: { metrics: e.METRICS_GROUP_ID, cacheInvalidation: e.CACHE_GROUP_ID },
    thresholds: {
      maxSlotLagBytes: e.STATUS_MAX_SLOT_LAG_MB * MIB,
      maxConsumerLag: e.STATUS_MAX_CONSUMER_LAG,
      maxOutboxAgeSeconds: (e.OUTBOX_RETENTION_DAYS + 1) * DAY_SECONDS,
    },
  };
}
