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
   * members): when its records began to wait (ISO time), the time the first record after the
   * committed offset was written to the topic, or the commit when that record was there before.
   * Absent when Kafka could not say.
   */
  waitingSince?: string;
  /** Seconds between waitingSince and when it was read. */
  waitingSeconds?: number;
  /**
   * Only for a partition that looked stalled and whose records have waited longer than the
   * limit: whether its committed offset moved when read again after the recheck interval.
   */
  movedOnRecheck?: boolean;
}

export interface GroupTopicLag {
  topic: string;
  partitions: PartitionLag[];
  lag: number;
}

/** A partition whose records have waited longer than the limit behind a committed offset that does not move. */
export interface StalledPartition {
  groupId: string;
  topic: string;
  partition: number;
  offset: number | null;
  lag: number;
  /** Since its records began to wait (not since its last commit: it may have been idle before). */
  stalledSeconds: number;
}

/** A dependency partitions of a group wait for, and what it answered them. */
export interface DependencyWait {
  groupId: string;
  /** postgres, redis, registry, kafka or unknown. */
  dependency: string;
  /** What the dependency answered: SQLSTATE and message, a network error, a Redis reply, an HTTP status. */
  reason: string;
  partitions: number;
  /** When the first of these partitions began waiting with this answer (ISO time). */
  since: string;
}

/** What the streamer says its partitions wait for (its GET /waits, read by the status command). */
export interface StreamerWaitsReport {
  url: string;
  /** The waits of the configured groups. */
  waiting: DependencyWait[];
}

/** Counter deltas the streamer clamped at zero (product_metrics.clamped): drift, must stay 0. */
/** The last `npm run reconcile` as the metrics group recorded it (docs/operations.md#reconcile). */
export interface ReconcileReport {
  /** null when no reconcile has run. */
  last: {
    reconcileId: string;
    mode: 'VERIFY' | 'REPAIR';
    /** When its first and last snapshot were checked (ISO time). */
    startedAt: string;
    finishedAt: string;
    checked: number;
    differing: number;
    repaired: number;
  } | null;
}

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

/**
 * The hops of the pipeline, as the console draws them (its `data-hop` ids): the api writing
 * business rows and outbox rows, the outbox table, the replication slot, the Connect task,
 * the topics, the consumer groups, and the effects the streamer applies (metrics, cache, DLQ).
 */
export const STATUS_COMPONENTS = ['api', 'outbox', 'slot', 'connect', 'topics', 'groups', 'effects'] as const;
export type StatusComponent = (typeof STATUS_COMPONENTS)[number];

/**
 * Every reason's stable code and the hop it is about (docs/operations.md lists what each means).
 * A code keeps its name and its hop; the text beside it is for people and may be reworded.
 */
export const STATUS_REASON_COMPONENTS = {
  CONNECT_UNREACHABLE: 'connect',
  CONNECTOR_MISSING: 'connect',
  CONNECTOR_FAILED: 'connect',
  CONNECTOR_NOT_RUNNING: 'connect',
  CONNECTOR_NO_TASK: 'connect',
  TASK_FAILED: 'connect',
  TASK_NOT_RUNNING: 'connect',
  COMMERCE_DB_UNREACHABLE: 'slot',
  SLOT_MISSING: 'slot',
  SLOT_INACTIVE: 'slot',
  SLOT_LAG_HIGH: 'slot',
  OUTBOX_CLEANUP_BEHIND: 'outbox',
  OUTBOX_UNREADABLE: 'outbox',
  KAFKA_UNREACHABLE: 'topics',
  TOPIC_MISSING: 'topics',
  GROUPS_UNREADABLE: 'groups',
  GROUP_NO_MEMBER: 'groups',
  GROUP_LAG_HIGH: 'groups',
  GROUP_LAG_STALLED: 'groups',
  DEPENDENCY_WAIT: 'effects',
  STREAMER_DB_UNREACHABLE: 'effects',
  DLQ_WAITING: 'effects',
  CLAMPED: 'effects',
  CLAMPS_UNREADABLE: 'effects',
  PROJECTION_DRIFT: 'effects',
} as const satisfies Record<string, StatusComponent>;
export type StatusReasonCode = keyof typeof STATUS_REASON_COMPONENTS;

/** One reason for a degraded verdict, as data: what (code), where (component), and the words for a person. */
export interface StatusReason {
  component: StatusComponent;
  code: StatusReasonCode;
  text: string;
}

export interface StatusReport {
  checkedAt: string;
  verdict: 'healthy' | 'degraded';
  /** Why the verdict is degraded, most important first; empty when healthy. The texts of `findings`. */
  reasons: string[];
  /** The same reasons in the same order, each with its code and component: read these, not the wording. */
  findings: StatusReason[];
  connector: Probe<ConnectorReport>;
  replicationSlot: Probe<ReplicationSlotState>;
  outbox: Probe<OutboxBacklog>;
  topics: Probe<{ items: TopicReport[] }>;
  groups: Probe<{ items: GroupReport[] }>;
  deadLetters: Probe<{ items: DeadLetterDepth[]; waiting: number }>;
  /** Not judged when unreachable: a stopped streamer shows as a group without members. */
  streamer: Probe<StreamerWaitsReport>;
  clamps: Probe<ClampReport>;
  reconcile: Probe<ReconcileReport>;
  /** The stalled partitions behind the "stalled" reasons. */
  stalled: StalledPartition[];
}

/** The facts, before judging them. */
export type StatusFacts = Omit<StatusReport, 'verdict' | 'reasons' | 'findings' | 'stalled'>;
