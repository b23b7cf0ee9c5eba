import type { OutboxBacklog, ReplicationSlotState } from '@outbox/db';

/** Each section either has its facts or says why they could not be read. */
export type Probe<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface ConnectorReport {
  name: string;
  /** null when the connector is not registered. */
  state: string | null;
  workerId?: string;
  tasks: { id: number; state: string; workerId: string; trace?: string }[];
}

export interface PartitionOffsets {
  partition: number;
  low: number;
  high: number;
}

export interface TopicReport {
  topic: string;
  /** The topic does not exist (a DLQ topic before the first dead letter). */
  missing: boolean;
  partitions: PartitionOffsets[];
  records: number;
}

export interface PartitionLag {
  partition: number;
  committed: number | null;
  high: number;
  lag: number;
  /**
   * When the group committed this offset (ISO time), from the commit's metadata
   * `{"committedAt": <epoch ms>}` written by the streamer; null when there is none or it is
   * not readable (offsets set by a tool, an older streamer): then the age is unknown.
   */
  committedAt: string | null;
  /** Seconds between committedAt and the read of the offsets; null when unknown. */
  committedAgeSeconds: number | null;
  /**
   * Only for a partition that looked stalled (lag, commit older than the limit, group with
   * members): whether its committed offset moved when read again after the recheck interval.
   */
  movedOnRecheck?: boolean;
}

export interface GroupTopicLag {
  topic: string;
  partitions: PartitionLag[];
  lag: number;
}

/** A partition whose committed offset has not moved for longer than the limit while it has lag. */
export interface StalledPartition {
  groupId: string;
  topic: string;
  partition: number;
  offset: number | null;
  lag: number;
  stalledSeconds: number;
}

/** What the streamer's /metrics says (scraped by the status command). */
export interface StreamerMetricsReport {
  url: string;
  /** Dependencies a partition of a group waits for (streamer_dependency_waiting > 0), for the configured groups. */
  waiting: { groupId: string; dependency: string; partitions: number }[];
}

/** Counter deltas the streamer clamped at zero (product_metrics.clamped): drift, must stay 0. */
export interface ClampReport {
  /** Sum over every product; null when the column does not exist yet (streamer migration not applied). */
  total: number | null;
}

export interface GroupReport {
  groupId: string;
  role: 'metrics' | 'cacheInvalidation';
  /** Kafka's group state: Stable, Empty, PreparingRebalance, Dead... */
  state: string;
  members: number;
  topics: GroupTopicLag[];
  lag: number;
}

export interface DeadLetterDepth {
  groupId: string;
  topic: string;
  waiting: number;
}

export interface StatusReport {
  checkedAt: string;
  verdict: 'healthy' | 'degraded';
  /** Why the verdict is degraded, most important first; empty when healthy. */
  reasons: string[];
  connector: Probe<ConnectorReport>;
  replicationSlot: Probe<ReplicationSlotState>;
  outbox: Probe<OutboxBacklog>;
  topics: Probe<{ items: TopicReport[] }>;
  groups: Probe<{ items: GroupReport[] }>;
  deadLetters: Probe<{ items: DeadLetterDepth[]; waiting: number }>;
  /** Not judged when unreachable: a stopped streamer shows as a group without members. */
  streamer: Probe<StreamerMetricsReport>;
  clamps: Probe<ClampReport>;
  /** The stalled partitions behind the "stalled" reasons. */
  stalled: StalledPartition[];
}

/** The facts, before judging them. */
export type StatusFacts = Omit<StatusReport, 'verdict' | 'reasons' | 'stalled'>;
