import { EventDecodeError, type CommerceEvent, type EventCodec } from '@outbox/events';
import type { ConsumedRecord } from './record';

export type Decoded =
  { ok: true; record: ConsumedRecord; event: CommerceEvent } | { ok: false; record: ConsumedRecord; error: string };

/**
 * Decodes and checks one record. A record that can never be applied (not the wire format,
 * unknown schema, corrupt bytes, key or headers contradicting the event) comes back as
 * `ok: false` so it is parked at once; a registry outage throws, so the batch is retried.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  // The inbox keys on the event id as a uuid: anything else could never be claimed.
  if (!UUID.test(event.eventId)) {
    return { ok: false, record, error: `eventId ${JSON.stringify(event.eventId)} is not a uuid` };
  }
  if (record.key !== undefined && record.key !== event.aggregateId) {
    return { ok: false, record, error: `key ${record.key} does not match aggregateId ${event.aggregateId}` };
  }
  const headerType = record.headers.eventType;
  if (headerType !== undefined && headerType !== event.eventType) {
    return {
      ok: false,
      record,
      error: `header eventType ${headerType} does not match the payload's ${event.eventType}`,
    };
  }
  return { ok: true, record, event };
}
