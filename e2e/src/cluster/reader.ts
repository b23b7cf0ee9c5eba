import { kafkaClient } from '../stack-under-test';
import { uniqueName } from '../wait';

export interface RangeRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  eventId: string | undefined;
}

type Snapshot = Map<string, Map<number, bigint>>;

/**
 * Every record between two offset snapshots (from inclusive, to exclusive), in partition order,
 * for topics written in transactions. A transactional producer ends each transaction with a
 * commit or abort marker: a control record that takes an offset but is never delivered, so a
 * partition's last offset may be a marker. A partition is done when a fetched batch (the
 * consumer's END_BATCH_PROCESS event, which also fires for batches holding only markers or
 * aborted records) reaches the end. `readUncommitted` also returns records of aborted
 * transactions: what the producer wrote, not what consumers get.
 */
export async function readRange(
  from: Snapshot,
  to: Snapshot,
  readUncommitted: boolean,
  timeoutMs = 120_000,
): Promise<RangeRecord[]> {
  const remaining = new Set<string>();
  for (const [topic, ends] of to)
    for (const [partition, end] of ends)
      if (end > (from.get(topic)?.get(partition) ?? 0n)) remaining.add(`${topic}/${partition}`);
  const records: RangeRecord[] = [];
  if (remaining.size === 0) return records;

  const consumer = kafkaClient('cluster-proof-reader').consumer({
    groupId: uniqueName('cluster-proof-reader'),
    maxWaitTimeInMs: 100,
    readUncommitted,
  });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = to.get(payload.topic)?.get(payload.partition) ?? 0n;
    if (BigInt(payload.lastOffset) >= end - 1n) {
      remaining.delete(`${payload.topic}/${payload.partition}`);
      if (remaining.size === 0) done();
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...to.keys()] });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const end = to.get(batch.topic)?.get(batch.partition) ?? 0n;
      for (const message of batch.messages) {
        if (BigInt(message.offset) >= end) break;
        const id = message.headers?.id;
        records.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key?.toString(),
          eventId: (Array.isArray(id) ? id[0] : id)?.toString(),
        });
      }
    },
  });
  for (const [topic, starts] of from)
    for (const [partition, offset] of starts) consumer.seek({ topic, partition, offset: offset.toString() });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  if (remaining.size > 0) throw new Error(`could not read ${[...remaining].join(', ')} within ${timeoutMs} ms`);
  return records;
}
