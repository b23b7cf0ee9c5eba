import type { Consumer, IHeaders } from 'kafkajs';
import { kafkaClient, uniqueName } from './index';

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
  );
  await admin.disconnect();

  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('e2e-collector'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics });
  const records: CollectedRecord[] = [];
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      records.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString(),
        headers: headerStrings(message.headers),
        value: message.value ?? Buffer.alloc(0),
      });
    },
  });
  for (const { topic, offsets } of ends) {
    for (const { partition, high } of offsets) consumer.seek({ topic, partition, offset: high });
  }
  return { records, stop: () => consumer.disconnect() };
}
