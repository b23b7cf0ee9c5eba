import type { CommerceEvent, EventCodec } from '@outbox/events';
import { Partitioners, type Consumer, type IHeaders, type KafkaMessage } from 'kafkajs';
import { kafkaClient } from './stack-under-test';
import { uniqueName } from './wait';

export interface CollectedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  headers: Record<string, string>;
  value: Buffer;
}

export interface RecordCollector {
  records: CollectedRecord[];
  stop(): Promise<void>;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
  }
  return out;
}

function collected(topic: string, partition: number, message: KafkaMessage): CollectedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString(),
    headers: headerStrings(message.headers),
    value: message.value ?? Buffer.alloc(0),
  };
}

/**
 * Collects every record written to the topics from now on (each partition starts at its
 * current end offset, so earlier history is skipped), in per-partition order.
 */
export async function collectFromNow(topics: string[]): Promise<RecordCollector> {
  const kafka = kafkaClient('e2e-collector');
  const admin = kafka.admin();
  await admin.connect();
  const ends = await Promise.all(
    topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
  ).finally(() => admin.disconnect());

  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('e2e-collector'), maxWaitTimeInMs: 100 });
  const records: CollectedRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        records.push(collected(topic, partition, message));
      },
    });
    for (const { topic, offsets } of ends) {
      for (const { partition, high } of offsets) consumer.seek({ topic, partition, offset: high });
    }
  } catch (err) {
    // A collector that failed to start must not keep its connections (and jest) alive.
    await consumer.disconnect();
    throw err;
  }
  return { records, stop: () => consumer.disconnect() };
}

/** End offset of every partition of the topics: topic -> partition -> offset. */
export type OffsetSnapshot = Map<string, Map<number, bigint>>;

export async function endOffsets(topics: string[]): Promise<OffsetSnapshot> {
  const admin = kafkaClient('e2e-offsets').admin();
  await admin.connect();
  try {
    const snapshot: OffsetSnapshot = new Map();
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      snapshot.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
    }
    return snapshot;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads every record between two snapshots (from inclusive, to exclusive), in per-partition
 * order. Unlike collectFromNow it reads after the fact, so a broker restart in between
 * cannot make it miss anything. Topics written in transactions (exactly-once capture) end
 * each transaction with a commit or abort marker: a control record that takes an offset but
 * is never delivered, so a partition's last offset may be a marker. A partition is therefore
 * done when a fetched batch reaches the end (the consumer's END_BATCH_PROCESS event, which
 * also fires for batches holding only markers or aborted records), not when its last record
 * arrives. `readUncommitted` also returns records of aborted transactions: what the producer
 * wrote, not what consumers get.
 */
export async function readBetween(
  from: OffsetSnapshot,
  to: OffsetSnapshot,
  options: { timeoutMs?: number; readUncommitted?: boolean } = {},
): Promise<CollectedRecord[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const remaining = new Set<string>();
  for (const [topic, ends] of to)
    for (const [partition, end] of ends)
      if (end > (from.get(topic)?.get(partition) ?? 0n)) remaining.add(`${topic}/${partition}`);
  const records: CollectedRecord[] = [];
  if (remaining.size === 0) return records;

  const topics = [...to.keys()];
  const consumer = kafkaClient('e2e-reader').consumer({
    groupId: uniqueName('e2e-reader'),
    maxWaitTimeInMs: 100,
    readUncommitted: options.readUncommitted ?? false,
  });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const timer = setTimeout(() => done(), timeoutMs);
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = to.get(payload.topic)?.get(payload.partition) ?? 0n;
    if (BigInt(payload.lastOffset) >= end - 1n) {
      remaining.delete(`${payload.topic}/${payload.partition}`);
      if (remaining.size === 0) done();
    }
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = to.get(batch.topic)?.get(batch.partition) ?? 0n;
        for (const message of batch.messages) {
          if (BigInt(message.offset) >= end) break;
          records.push(collected(batch.topic, batch.partition, message));
        }
      },
    });
    for (const [topic, starts] of from)
      for (const [partition, offset] of starts) consumer.seek({ topic, partition, offset: offset.toString() });
    await finished;
  } finally {
    // Also when connecting or seeking failed: no consumer (or timer) outlives the call.
    clearTimeout(timer);
    await consumer.disconnect();
  }
  if (remaining.size > 0) throw new Error(`could not read ${[...remaining].join(', ')} within ${timeoutMs} ms`);
  return records;
}

/**
 * Produces events the way Debezium's EventRouter writes them: key = aggregateId, headers
 * `id` and `eventType`, the Avro value, murmur2 partitioning (so an aggregate keeps its
 * partition). For backlogs a test or benchmark needs faster than the api can write them.
 */
export async function produceAsDebezium(codec: EventCodec, topic: string, events: CommerceEvent[]): Promise<void> {
  const producer = kafkaClient('e2e-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let start = 0; start < events.length; start += 2000) {
      const messages = [];
      for (const e of events.slice(start, start + 2000))
        messages.push({
          key: e.aggregateId,
          value: await codec.encode(e),
          headers: { id: e.eventId, eventType: e.eventType },
        });
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}
