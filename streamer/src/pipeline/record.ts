import type { CommerceEvent } from '@outbox/events';
import type { KafkaMessage } from 'kafkajs';

/** A Kafka record as the pipeline sees it: transport details kept for the DLQ. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  headers: Record<string, string>;
  value: Buffer | null;
}

export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  // A header can be present with a null value (Debezium places a NULL column that way, e.g.
  // `traceparent` of a row written outside any trace): treat it as absent.
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== null) headers[name] = String(first);
  }
  return { topic, partition, offset: message.offset, key: message.key?.toString(), headers, value: message.value };
}

/** The aggregate a record belongs to: its key, by contract (key = aggregateId). */
export const aggregateOf = (record: ConsumedRecord): string | undefined => record.key;

export const describe = (r: ConsumedRecord): string => `${r.topic}/${r.partition}@${r.offset}`;

/**
 * The fields of every log line about a record: who (eventId, eventType, aggregateId) and
 * where (topic, partition, offset). Never the value bytes.
 */
export function recordLogFields(record: ConsumedRecord, event?: CommerceEvent) {
  return {
    eventId: event?.eventId ?? record.headers.id,
    eventType: event?.eventType ?? record.headers.eventType,
    aggregateId: event?.aggregateId ?? record.key,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
  };
}
