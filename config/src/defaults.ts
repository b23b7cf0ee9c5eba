/**
 * Defaults more than one program must agree on. Each stays overridable by its environment
 * variable; the README's configuration table lists them.
 */

/** Consumer group ids of the streamer's two roles (METRICS_GROUP_ID, CACHE_GROUP_ID). */
export const DEFAULT_GROUP_IDS = { metrics: 'metrics', cacheInvalidation: 'cache-invalidation' } as const;

/** Days an outbox row is kept after its insert (OUTBOX_RETENTION_DAYS): the api's cleanup and the status check. */
export const DEFAULT_OUTBOX_RETENTION_DAYS = 7;

/** Days an inbox row is kept (INBOX_RETENTION_DAYS); it must exceed how long a redelivery can come late. */
export const DEFAULT_INBOX_RETENTION_DAYS = 14;

/** HTTP ports of our own services (dev profile; the test profile adds TEST_PORT_OFFSET like every port). */
export const SERVICE_PORTS = { api: 3000, streamer: 3001, console: 3002 } as const;

/**
 * The streamer's consumer session (KAFKA_SESSION_TIMEOUT_MS) by the stack's topology; tests and
 * runs that start streamers use the same cluster value. On the cluster a broker kill moves group
 * coordinators, and kafkajs (no static membership) rejoins as a new member that waits out the
 * old member's session; the cluster's brokers allow sessions down to 2 s.
 */
export const CONSUMER_SESSION_MS = { single: 10_000, cluster: 3_000 } as const;

export const DAY_MS = 24 * 60 * 60 * 1000;
