import type { AggregateType } from './topics';

/**
 * The event catalogue as plain data (docs/events.md): one row per event type. The Avro schema of
 * each row lives in `schemas/<aggregateType>/<name>.avsc` with namespace `commerce.<aggregateType>`.
 * This module has no dependency on the generated types, so the generator can import it.
 */
export const EVENT_DEFINITIONS = [
  { eventType: 'PRODUCT_LIKED', aggregateType: 'catalog', name: 'ProductLiked', schemaVersion: 1 },
  { eventType: 'PRODUCT_UNLIKED', aggregateType: 'catalog', name: 'ProductUnliked', schemaVersion: 1 },
  { eventType: 'PRODUCT_VIEWED', aggregateType: 'catalog', name: 'ProductViewed', schemaVersion: 1 },
  { eventType: 'STOCK_DECREASED', aggregateType: 'catalog', name: 'StockDecreased', schemaVersion: 1 },
  { eventType: 'STOCK_INCREASED', aggregateType: 'catalog', name: 'StockIncreased', schemaVersion: 1 },
  {
    eventType: 'PRODUCT_METRICS_SNAPSHOT',
    aggregateType: 'catalog',
    name: 'ProductMetricsSnapshot',
    schemaVersion: 1,
  },
  { eventType: 'ORDER_CREATED', aggregateType: 'order', name: 'OrderCreated', schemaVersion: 1 },
  { eventType: 'COUPON_USED', aggregateType: 'order', name: 'CouponUsed', schemaVersion: 1 },
  { eventType: 'PAYMENT_COMPLETED', aggregateType: 'order', name: 'PaymentCompleted', schemaVersion: 1 },
  { eventType: 'PAYMENT_FAILED', aggregateType: 'order', name: 'PaymentFailed', schemaVersion: 1 },
] as const satisfies readonly EventDefinition[];

export interface EventDefinition {
  /** `PRODUCT_LIKED`, ...: the `eventType` field and the Kafka header `eventType`. */
  readonly eventType: string;
  readonly aggregateType: AggregateType;
  /** Record name (without namespace). */
  readonly name: string;
  /** The version of the schema file today: what producers write into the `schemaVersion` field. */
  readonly schemaVersion: number;
}

/** Namespace of every record of an aggregate. */
export function namespaceOf(aggregateType: AggregateType): string {
  return `commerce.${aggregateType}`;
}

/** The envelope: the first fields of every event record, in this order, with these Avro types. */
export const ENVELOPE_FIELDS = [
  { name: 'eventId', type: { type: 'string', logicalType: 'uuid' } },
  { name: 'eventType', type: 'string' },
  { name: 'aggregateType', type: 'string' },
  { name: 'aggregateId', type: 'string' },
  { name: 'occurredAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
  { name: 'schemaVersion', type: 'int' },
] as const;

export type EnvelopeField = (typeof ENVELOPE_FIELDS)[number]['name'];
