import { randomUUID } from 'node:crypto';
import { newEvent, type CommerceEvent, type EventCodec } from '@outbox/events';
import type { Client } from 'pg';

/** An outbox row as the api writes it (docs/guarantees.md), payload in the Confluent wire format. */
export interface OutboxRow {
  id: string;
  aggregatetype: string;
  aggregateid: string;
  type: string;
  payload: Buffer;
}

/** `count` PRODUCT_VIEWED events spread round-robin over the products. */
export function viewedEvents(productIds: readonly string[], count: number, memberPrefix: string): CommerceEvent[] {
  if (productIds.length === 0) throw new RangeError('at least one product is needed');
  return Array.from({ length: count }, (_, i) =>
    newEvent('PRODUCT_VIEWED', productIds[i % productIds.length] as string, { memberId: `${memberPrefix}-${i}` }),
  );
}

/** Valid outbox rows (real Avro payloads), so whatever consumes them later applies them cleanly. */
export async function outboxRowsOf(codec: EventCodec, events: readonly CommerceEvent[]): Promise<OutboxRow[]> {
  const rows: OutboxRow[] = [];
  for (const event of events) {
    rows.push({
      id: event.eventId,
      aggregatetype: event.aggregateType,
      aggregateid: event.aggregateId,
      type: event.eventType,
      payload: await codec.encode(event),
    });
  }
  return rows;
}

/** One multi-row INSERT (one transaction) into an outbox-shaped table. */
export async function insertOutboxRows(db: Client, table: string, rows: readonly OutboxRow[]): Promise<void> {
  await db.query(
    `INSERT INTO ${table} (id, aggregatetype, aggregateid, type, payload)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[])`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.aggregatetype),
      rows.map((r) => r.aggregateid),
      rows.map((r) => r.type),
      rows.map((r) => r.payload),
    ],
  );
}

/** Random product ids (the capture and streamer scenarios need no product rows). */
export function randomProductIds(count: number): string[] {
  return Array.from({ length: count }, () => randomUUID());
}

/** Splits items into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!(size > 0)) throw new RangeError(`chunk size must be positive, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
