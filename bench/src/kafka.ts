import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { AGGREGATE_TOPICS } from '@outbox/events';

/** The end offset (high watermark) of each partition of a topic. */
export interface PartitionOffsets {
  topic: string;
  offsets: { partition: number; offset: string }[];
}

export async function endOffsets(admin: Admin, topic: string): Promise<PartitionOffsets> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return { topic, offsets: offsets.map((o) => ({ partition: o.partition, offset: o.high })) };
}

/** Records in the topic up to these offsets (sum over partitions). */
export function totalOf(ends: PartitionOffsets): number {
  return ends.offsets.reduce((sum, o) => sum + Number(o.offset), 0);
}

/**
 * Gives a consumer group that has no members yet its starting position, so it consumes from a
 * known offset instead of the topic's whole history.
 */
/** New groups that start at the current end of both event topics: they see only what comes next. */
export async function startGroupsAtEnd(admin: Admin, groupIds: string[]): Promise<void> {
  const ends = [await endOffsets(admin, AGGREGATE_TOPICS.catalog), await endOffsets(admin, AGGREGATE_TOPICS.order)];
  for (const groupId of groupIds) await setGroupOffsets(admin, groupId, ends);
}

export async function setGroupOffsets(admin: Admin, groupId: string, positions: PartitionOffsets[]): Promise<void> {
  for (const { topic, offsets } of positions) {
    await admin.setOffsets({ groupId, topic, partitions: offsets });
  }
}

/**
 * Polls the topic's end offsets until `expected` records were appended after `start`; returns
 * the wall-clock time (ms) at which they were first seen all present.
 */
export async function waitForAppended(
  admin: Admin,
  start: PartitionOffsets,
  expected: number,
  timeoutMs: number,
  pollMs = 50,
): Promise<number> {
  const from = totalOf(start);
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = totalOf(await endOffsets(admin, start.topic)) - from;
    if (seen >= expected) return Date.now();
    await sleep(pollMs);
  }
  throw new Error(`only ${seen} of ${expected} records reached ${start.topic} within ${timeoutMs} ms`);
}

/**
 * Reads the topic from the given offsets and returns the record timestamp (ms) of every record
 * whose `id` header is one of `ids`; stops when all were found.
 */
export async function recordTimestamps(
  kafka: Kafka,
  from: PartitionOffsets,
  ids: ReadonlySet<string>,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const consumer = kafka.consumer({
    groupId: `bench-reader-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 10 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [from.topic] });
    let done: () => void = () => undefined;
    const complete = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const id = message.headers?.id?.toString();
          if (id !== undefined && ids.has(id)) found.set(id, Number(message.timestamp));
        }
        if (found.size >= ids.size) done();
      },
    });
    for (const { partition, offset } of from.offsets) consumer.seek({ topic: from.topic, partition, offset });
    const timer = new AbortController();
    const timeout = sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => {
      throw new Error(`found ${found.size} of ${ids.size} records in ${from.topic} within ${timeoutMs} ms`);
    });
    timeout.catch(() => undefined);
    try {
      await Promise.race([complete, timeout]);
    } finally {
      timer.abort();
    }
    return found;
  } finally {
    await consumer.disconnect();
  }
}
