import type { Admin } from 'kafkajs';
import type { TopicSpec } from './connector';
import { raiseRecordLimits, roomForCopies } from './record-limits';

/** An existing topic whose partition count differs from the configured one. */
export interface PartitionCountMismatch {
  topic: string;
  current: number;
  wanted: number;
}

/**
 * Thrown when an existing topic has another partition count than the configuration wants.
 * The partition of a record is hash(key) mod count: growing a keyed topic sends an aggregate's
 * later events to another partition than its earlier ones, so two consumers can apply them
 * out of order; Kafka cannot shrink a topic at all. So no command changes the count (docs/decisions.md); this error names each topic and how to migrate safely.
 */
export class PartitionCountChangeRefused extends Error {
  constructor(readonly mismatches: PartitionCountMismatch[]) {
    super(describeMismatches(mismatches));
    this.name = 'PartitionCountChangeRefused';
  }
}

function describeMismatches(mismatches: PartitionCountMismatch[]): string {
  const lines = mismatches.map(({ topic, current, wanted }) =>
    current < wanted
      ? `  ${topic} has ${current} partitions, the configuration wants ${wanted}: growing it would move keys to other partitions and break the order of events per aggregate`
      : `  ${topic} has ${current} partitions, the configuration wants ${wanted}: Kafka cannot remove partitions`,
  );
  return [
    `refusing to change the partition count of existing topic(s); nothing was changed:`,
    ...lines,
    'Safe procedure: either keep the current count (set the configured count back to it), or create a new topic',
    'with the new count (e.g. <topic>.v2), route new events to it, let every consumer group drain the old topic',
    'to lag 0 (npm run status), then move the groups to the new topic. The same holds for the .dlq topics.',
  ].join('\n');
}

/**
 * Creates the missing topics with their partitions and configs; existing topics are kept as
 * they are, except that a dead-letter topic's max.message.bytes is raised to what its copies
 * need (see roomForCopies). An existing topic (event, DLQ or heartbeat topic alike) whose
 * partition count differs from the configured one, higher or lower, is refused with
 * PartitionCountChangeRefused before anything is created. Returns the names created.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  await refusePartitionCountChanges(admin, specs, existing);
  // Sources first: a dead-letter topic is sized from its source topic's limit.
  const sources = specs.filter((s) => s.deadLettersOf === undefined);
  const created = await createMissing(admin, sources, existing);
  const copies = specs.filter((s) => s.deadLettersOf !== undefined);
  const deadLetters = await roomForCopies(admin, copies);
  created.push(...(await createMissing(admin, deadLetters, existing)));
  const presentDeadLetters = deadLetters.filter((s) => existing.has(s.topic));
  await raiseRecordLimits(admin, presentDeadLetters);
  return created;
}

async function refusePartitionCountChanges(admin: Admin, specs: TopicSpec[], existing: Set<string>): Promise<void> {
  const present = specs.filter((s) => existing.has(s.topic));
  if (present.length === 0) return;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
  const mismatches = present.flatMap((s) => {
    const current = metadata.topics.find((t) => t.name === s.topic)?.partitions.length;
    return current === undefined || current === s.numPartitions
      ? []
      : [{ topic: s.topic, current, wanted: s.numPartitions }];
  });
  if (mismatches.length > 0) throw new PartitionCountChangeRefused(mismatches);
}

async function createMissing(admin: Admin, specs: TopicSpec[], existing: Set<string>): Promise<string[]> {
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.numPartitions,
        replicationFactor: s.replicationFactor ?? -1,
        configEntries: s.configEntries,
      })),
    });
  }
  return missing.map((s) => s.topic);
}

/** An existing topic with fewer replicas or a lower min.insync.replicas than configured. */
export interface ReplicationShortfall {
  topic: string;
  replicas: number;
  wantedReplicas: number;
}

/**
 * Existing topics with fewer replicas than their spec asks for. `apply` does not move replicas
 * (a reassignment copies whole partitions between brokers, an operator's decision): it names
 * them so the operator can run kafka-reassign-partitions.
 */
export async function replicationShortfalls(admin: Admin, specs: TopicSpec[]): Promise<ReplicationShortfall[]> {
  const wanted = specs.filter((s) => s.replicationFactor !== undefined);
  const existing = new Set(await admin.listTopics());
  const present = wanted.filter((s) => existing.has(s.topic));
  if (present.length === 0) return [];
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
  return present.flatMap((s) => {
    const partitions = metadata.topics.find((t) => t.name === s.topic)?.partitions ?? [];
    const replicas = Math.min(...partitions.map((p) => p.replicas.length));
    const wantedReplicas = s.replicationFactor ?? 0;
    return partitions.length > 0 && replicas < wantedReplicas ? [{ topic: s.topic, replicas, wantedReplicas }] : [];
  });
}
