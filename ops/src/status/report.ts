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

export interface GroupTopicLag {
  topic: string;
  partitions: { partition: number; committed: number | null; high: number; lag: number }[];
  lag: number;
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
}

/** The facts, before judging them. */
export type StatusFacts = Omit<StatusReport, 'verdict' | 'reasons'>;
