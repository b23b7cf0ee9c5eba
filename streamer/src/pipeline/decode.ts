import {
  AGGREGATE_TOPICS,
  contractIssues,
  EventDecodeError,
  type CommerceEvent,
  type EventCodec,
} from '@outbox/events';
import { clip, headerTexts, type ConsumedRecord } from './record';

export type Decoded =
  { ok: true; record: ConsumedRecord; event: CommerceEvent } | { ok: false; record: ConsumedRecord; error: string };

/**
 * Decodes and checks one record. A record that can never be applied (not the wire format,
 * unknown schema, corrupt bytes, or a record that breaks the contract) comes back as
 * `ok: false` with the rule it broke, so it is parked at once; a registry outage throws, so the
 * batch waits and is retried.
 */
export async function decodeRecord(codec: EventCodec, record: ConsumedRecord): Promise<Decoded> {
  if (!record.value || record.value.length === 0)
    return { ok: false, record, error: 'empty value (tombstone or null record)' };
  let event: CommerceEvent;
  try {
    event = (await codec.decode(record.value)).event;
  } catch (err) {
    if (err instanceof EventDecodeError)
      return { ok: false, record, error: `undecodable (${err.reason}): ${err.message}` };
    throw err;
  }
  const broken = contractBreach(record, event);
  return broken === undefined ? { ok: true, record, event } : { ok: false, record, error: broken };
}

/**
 * The first rule of the record contract (docs/events.md) that this record breaks, or undefined.
 * The key decides the partition, so a key that is not exactly the canonical aggregate id may
 * sit on another partition than the aggregate's other events: applying it could break order.
 */
export function contractBreach(record: ConsumedRecord, event: CommerceEvent): string | undefined {
  const issues = contractIssues(event);
  if (issues.length > 0) return `contract: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
  const expectedTopic = AGGREGATE_TOPICS[event.aggregateType];
  if (record.topic !== expectedTopic)
    return `contract: aggregateType ${event.aggregateType} belongs on ${expectedTopic}, not ${record.topic}`;
  if (record.raw.key === null) return 'contract: the key is null, expected the aggregate id';
  if (!record.raw.key.equals(Buffer.from(event.aggregateId, 'utf8')))
    return `contract: key ${clip(record.key ?? '')} is not the aggregate id ${event.aggregateId}`;
  const ids = headerTexts(record, 'id');
  if (ids.length === 0) return `contract: header id is missing, expected the eventId ${event.eventId}`;
  const wrongId = ids.find((id) => id !== event.eventId);
  if (wrongId !== undefined)
    return `contract: header id ${clip(wrongId ?? 'null')} is not the eventId ${event.eventId}`;
  const headerType = record.headers.eventType;
  if (headerType !== undefined && headerType !== event.eventType)
    return `contract: header eventType ${clip(headerType)} is not the payload's ${event.eventType}`;
  return undefined;
}
