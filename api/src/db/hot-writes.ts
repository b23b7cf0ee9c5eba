import type { OutboxRow } from '../outbox/outbox-writer';
import { statement } from './statement';

/**
 * The hot write routes as ONE SQL statement each: CTEs check the product, write the business
 * row and, only when that row changed, the outbox row. One statement is one atomic
 * transaction (autocommit), so the business row and its outbox row commit together or not at
 * all, in one round trip: no BEGIN, no COMMIT, no statement per step.
 *
 * The outbox row's payload is Avro encoded before the statement (it carries the event id).
 * It is computed in a row `e` where `e.id` is the event id: the api binds the bytes as they
 * are, pgbench splices a fresh id into an encoded template there (bench/src/scenarios/pgbench.ts
 * renders these very texts).
 *
 * Each returns `found` (0: unknown product, nothing written) and `written` (outbox rows: 0 or 1).
 */

/** The `event` CTE and the outbox columns, the same in every hot write. */
export type OutboxSlot = 'eventId' | 'payload' | 'aggregateType' | 'aggregateId' | 'eventType' | 'traceparent';

/** Slot values of an outbox row. */
export function outboxSlots(row: OutboxRow): Record<OutboxSlot, unknown> {
  return {
    eventId: row.id,
    payload: row.payload,
    aggregateType: row.aggregateType,
    aggregateId: row.aggregateId,
    eventType: row.eventType,
    traceparent: row.traceparent,
  };
}

/** PRODUCT_LIKED, once per (member, product): the like's primary key decides (ON CONFLICT DO NOTHING). */
export const LIKE = statement('like')`
WITH product AS (
  SELECT id FROM products WHERE id = ${'productId'}::uuid
), changed AS (
  INSERT INTO product_likes (member_id, product_id)
  SELECT ${'memberId'}::text, id FROM product
  ON CONFLICT DO NOTHING
  RETURNING product_id
), event AS (
  SELECT e.id, ${'payload'}::bytea AS payload FROM (SELECT ${'eventId'}::uuid AS id) e
), written AS (
  INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
  SELECT event.id, ${'aggregateType'}::text, ${'aggregateId'}::text, ${'eventType'}::text, event.payload, ${'traceparent'}::text
  FROM changed, event
  RETURNING id
)
SELECT (SELECT count(*) FROM product)::int AS found, (SELECT count(*) FROM written)::int AS written`;

/**
 * PRODUCT_UNLIKED only when a like was deleted: unliking what was not liked writes nothing. The
 * product row is share-locked like every other write to its counters (a like's or a view's
 * foreign key, an order's stock update): a product snapshot, which takes it FOR UPDATE, is
 * ordered before or after the unlike, never in between (docs/operations.md#reconcile).
 */
export const UNLIKE = statement('unlike')`
WITH product AS (
  SELECT id FROM products WHERE id = ${'productId'}::uuid FOR KEY SHARE
), changed AS (
  DELETE FROM product_likes l USING product p
  WHERE l.product_id = p.id AND l.member_id = ${'memberId'}::text
  RETURNING l.product_id
), event AS (
  SELECT e.id, ${'payload'}::bytea AS payload FROM (SELECT ${'eventId'}::uuid AS id) e
), written AS (
  INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
  SELECT event.id, ${'aggregateType'}::text, ${'aggregateId'}::text, ${'eventType'}::text, event.payload, ${'traceparent'}::text
  FROM changed, event
  RETURNING id
)
SELECT (SELECT count(*) FROM product)::int AS found, (SELECT count(*) FROM written)::int AS written`;

/** A view row and its PRODUCT_VIEWED (member optional); also returns the view's id. */
export const VIEW = statement('view')`
WITH product AS (
  SELECT id FROM products WHERE id = ${'productId'}::uuid
), changed AS (
  INSERT INTO product_views (product_id, member_id)
  SELECT id, ${'memberId'}::text FROM product
  RETURNING id
), event AS (
  SELECT e.id, ${'payload'}::bytea AS payload FROM (SELECT ${'eventId'}::uuid AS id) e
), written AS (
  INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
  SELECT event.id, ${'aggregateType'}::text, ${'aggregateId'}::text, ${'eventType'}::text, event.payload, ${'traceparent'}::text
  FROM changed, event
  RETURNING id
)
SELECT (SELECT count(*) FROM product)::int AS found, (SELECT count(*) FROM written)::int AS written,
  (SELECT id::text FROM changed) AS view_id`;

export interface HotWriteResult {
  found: number;
  written: number;
}
