import { loadConnector } from '@outbox/connect';
import { ROLE_TOPICS } from '@outbox/events';
import {
  clientLoginsFromEnv,
  DEFAULT_GROUP_IDS,
  DEFAULT_OUTBOX_RETENTION_DAYS,
  endpointsOf,
  type Credential,
  type KafkaSasl,
  loadStackConfig,
  parseEnv,
  SERVICE_PORTS,
  TEST_PORT_OFFSET,
} from '@outbox/config';
import { z } from 'zod';

/** What the status command looks at, and the limits beyond which the pipeline is degraded. */
export interface StatusConfig {
  commerceDatabaseUrl: string;
  streamerDatabaseUrl: string;
  kafkaBrokers: string[];
  /** Every Connect worker's REST API: the first that answers is asked (any worker serves the group's API). */
  connectUrls: string[];
  /** The read-only logins of the cluster topology (docs/security.md); absent on an open stack. */
  kafkaSasl?: KafkaSasl;
  connectLogin?: Credential;
  connectorName: string;
  slotName: string;
  groups: { metrics: string; cacheInvalidation: string };
  /** The topics each group consumes (the pipeline's: ROLE_TOPICS; tests use throw-away topics). */
  topics: { metrics: string[]; cacheInvalidation: string[] };
  /** The streamer's HTTP address, whose GET /waits says what a group waits for and what the dependency answered. */
  streamerUrl: string;
  /**
   * A partition whose records have waited longer than the limit is read again after this long:
   * if its offset moved, it is not stalled (its records were stamped long before they arrived).
   */
  stallRecheckMs: number;
  thresholds: StatusThresholds;
}

export interface StatusThresholds {
  /** Unconfirmed WAL behind the slot. Heartbeats confirm every few seconds, so a healthy slot stays far below. */
  maxSlotLagBytes: number;
  /** Records a running group may be behind (a burst); a group with no member is degraded at any lag. */
  maxConsumerLag: number;
  /** Oldest outbox row allowed: the cleanup retention plus one cleanup cycle of slack. */
  maxOutboxAgeSeconds: number;
  /** How long records may wait behind a committed offset that does not move (a group with members). */
  maxStallSeconds: number;
}

const DAY_SECONDS = 24 * 60 * 60;
const MIB = 1024 * 1024;

const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  STREAMER_DATABASE_URL: z.string().url().optional(),
  KAFKA_BROKERS: z.string().min(1).optional(),
  /** One worker's REST API, or several comma-separated (a Connect cluster). */
  CONNECT_URL: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v.split(',').every((u) => URL.canParse(u.trim())),
      'expected URL(s), comma-separated',
    ),
  METRICS_GROUP_ID: z.string().min(1).default(DEFAULT_GROUP_IDS.metrics),
  CACHE_GROUP_ID: z.string().min(1).default(DEFAULT_GROUP_IDS.cacheInvalidation),
  OUTBOX_RETENTION_DAYS: z.coerce.number().positive().default(DEFAULT_OUTBOX_RETENTION_DAYS),
  STATUS_MAX_SLOT_LAG_MB: z.coerce.number().positive().default(256),
  STATUS_MAX_CONSUMER_LAG: z.coerce.number().int().nonnegative().default(10_000),
  STATUS_MAX_STALL_SECONDS: z.coerce.number().positive().default(60),
  STATUS_STALL_RECHECK_MS: z.coerce.number().int().nonnegative().default(5_000),
  STREAMER_URL: z.string().url().optional(),
  STREAMER_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

export function loadStatusConfig(env: NodeJS.ProcessEnv = process.env): StatusConfig {
  const e = parseEnv(schema, env, 'status');
  const stack = loadStackConfig(env);
  const endpoints = endpointsOf(stack, 'reader');
  const connector = loadConnector(stack);
  return {
    ...clientLoginsFromEnv(env, endpoints),
    commerceDatabaseUrl: e.DATABASE_URL ?? endpoints.postgresUrl('commerce'),
    streamerDatabaseUrl: e.STREAMER_DATABASE_URL ?? endpoints.postgresUrl('streamer'),
    kafkaBrokers: e.KAFKA_BROKERS ? e.KAFKA_BROKERS.split(',').map((b) => b.trim()) : endpoints.kafkaBrokers,
    connectUrls: e.CONNECT_URL ? e.CONNECT_URL.split(',').map((u) => u.trim()) : endpoints.connectUrls,
    connectorName: connector.name,
    slotName: String(connector.config['slot.name']),
    groups: { metrics: e.METRICS_GROUP_ID, cacheInvalidation: e.CACHE_GROUP_ID },
    topics: { metrics: [...ROLE_TOPICS.metrics], cacheInvalidation: [...ROLE_TOPICS.cacheInvalidation] },
    // The streamer listens on 3001; like every port of the stack, + 10000 in the test profile.
    streamerUrl:
      e.STREAMER_URL ??
      `http://${stack.host}:${e.STREAMER_PORT ?? SERVICE_PORTS.streamer + (stack.profile === 'test' ? TEST_PORT_OFFSET : 0)}`,
    stallRecheckMs: e.STATUS_STALL_RECHECK_MS,
    thresholds: {
      maxSlotLagBytes: e.STATUS_MAX_SLOT_LAG_MB * MIB,
      maxConsumerLag: e.STATUS_MAX_CONSUMER_LAG,
      maxOutboxAgeSeconds: (e.OUTBOX_RETENTION_DAYS + 1) * DAY_SECONDS,
      maxStallSeconds: e.STATUS_MAX_STALL_SECONDS,
    },
  };
}
