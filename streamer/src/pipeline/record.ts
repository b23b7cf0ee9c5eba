import { createHash } from 'node:crypto';
import type { CommerceEvent } from '@outbox/events';
import type { KafkaMessage } from 'kafkajs';

/** One Kafka header exactly as it came: a name and its bytes (null: present without a value). */
export interface RawHeader {
  name: string;
  value: Buffer | null;
}

/**
 * A Kafka record as the pipeline sees it. `key` and `headers` are the text views used for
 * routing, checks and logs; `raw` keeps the exact bytes so that parking it loses nothing
 * (NUL bytes, invalid UTF-8, repeated headers).
 */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  /** The key as text; bytes that are not clean UTF-8 text appear as `hex:<bytes>`. */
  key: string | undefined;
  /** First value of each header, as text (same rule as the key); null values are left out. */
  headers: Record<string, string>;
  value: Buffer | null;
  raw: { key: Buffer | null; headers: RawHeader[] };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes as text a person and PostgreSQL can both read: the UTF-8 string when the bytes are
 * valid UTF-8 without NUL, else `hex:` and the bytes (so two different keys never share a text).
 */
export function textOf(bytes: Buffer): string {
  try {
    const text = strictUtf8.decode(bytes);
    if (!text.includes('\u0000') && !text.startsWith('hex:')) return text;
  } catch {
    // not UTF-8: fall through to hex
  }
  return `hex:${bytes.toString('hex')}`;
}

const asBuffer = (value: Buffer | string): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'));

export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  const rawHeaders: RawHeader[] = [];
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const v of values) {
      rawHeaders.push({ name, value: v === undefined || v === null ? null : asBuffer(v as Buffer | string) });
    }
  }
  return fromRaw(topic, partition, message.offset, message.key ?? null, rawHeaders, message.value);
}

/** Builds the record from its exact bytes (a consumed message, or a parked row). */
export function fromRaw(
  topic: string,
  partition: number,
  offset: string,
  key: Buffer | null,
  rawHeaders: RawHeader[],
  value: Buffer | null,
): ConsumedRecord {
  const headers: Record<string, string> = {};
  // A header can be present with a null value (Debezium places a NULL column that way, e.g.
  // `traceparent` of a row written outside any trace): treat it as absent.
  for (const { name, value: v } of rawHeaders) {
    if (v !== null && !(name in headers)) headers[textOf(Buffer.from(name, 'utf8'))] = textOf(v);
  }
  return {
    topic,
    partition,
    offset,
    key: key === null ? undefined : textOf(key),
    headers,
    value,
    raw: { key, headers: rawHeaders },
  };
}

/**
 * The dead-letter queue a record belongs to: a fixed-size digest (SHA-256, hex) of its key's
 * bytes. By contract the key is the aggregate id, so a valid event's queue is its aggregate's;
 * a key of any length or bytes still has a queue that fits an index. No key: no queue.
 */
export const queueOf = (record: ConsumedRecord): string | undefined =>
  record.raw.key === null ? undefined : queueKeyOf(record.raw.key);

export const queueKeyOf = (keyBytes: Buffer): string => createHash('sha256').update(keyBytes).digest('hex');

/** Every value of one header, in order, as text (null: present without a value). */
export const headerTexts = (record: ConsumedRecord, name: string): (string | null)[] =>
  record.raw.headers.filter((h) => h.name === name).map((h) => (h.value === null ? null : textOf(h.value)));

/** Text cut to a length fit for a log line or an error message (a key can be a megabyte). */
export function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

export const describe = (r: ConsumedRecord): string => `${r.topic}/${r.partition}@${r.offset}`;

/** Offsets compare as integers (strings of different length must not compare as text). */
export const offsetOf = (r: ConsumedRecord): bigint => BigInt(r.offset);

/**
 * The fields of every log line about a record: who (eventId, eventType, aggregateId) and
 * where (topic, partition, offset). Never the value bytes.
 */
const clipped = (text: string | undefined): string | undefined => (text === undefined ? undefined : clip(text));

export function recordLogFields(record: ConsumedRecord, event?: CommerceEvent) {
  return {
    eventId: event?.eventId ?? clipped(record.headers.id),
    eventType: event?.eventType ?? clipped(record.headers.eventType),
    aggregateId: event?.aggregateId ?? clipped(record.key),
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
  };
}
