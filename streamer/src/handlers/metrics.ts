import type { StreamerClient } from '@outbox/db';
import { AGGREGATE_TOPICS, type CommerceEvent } from '@outbox/events';
import { claimEvents, uniqueEvents, type StreamerTx } from '../inbox/inbox';
import type { ApplyOutcome, EventHandler } from './handler';

interface Delta {
  likes: number;
  views: number;
  sales: number;
}

/** The effect of one event on product_metrics, per product (SPEC section 4). */
export function metricDeltas(event: CommerceEvent): [productId: string, delta: Delta][] {
  switch (event.eventType) {
    case 'PRODUCT_LIKED':
      return [[event.aggregateId, { likes: 1, views: 0, sales: 0 }]];
    case 'PRODUCT_UNLIKED':
      return [[event.aggregateId, { likes: -1, views: 0, sales: 0 }]];
    case 'PRODUCT_VIEWED':
      return [[event.aggregateId, { likes: 0, views: 1, sales: 0 }]];
    case 'ORDER_CREATED':
      return event.items.map((item) => [item.productId, { likes: 0, views: 0, sales: item.quantity }]);
    case 'PAYMENT_FAILED':
      return event.items.map((item) => [item.productId, { likes: 0, views: 0, sales: -item.quantity }]);
    default:
      return [];
  }
}

/** Sums the deltas of many events into one per product. */
export function sumDeltas(events: CommerceEvent[]): Map<string, Delta> {
  const totals = new Map<string, Delta>();
  for (const event of events) {
    for (const [productId, d] of metricDeltas(event)) {
      const t = totals.get(productId) ?? { likes: 0, views: 0, sales: 0 };
      totals.set(productId, { likes: t.likes + d.likes, views: t.views + d.views, sales: t.sales + d.sales });
    }
  }
  return totals;
}

/**
 * One statement for all products of the batch: rows are created if missing, then each gets
 * its summed delta atomically (no read-modify-write, so concurrent partitions lose nothing);
 * likes and sales never go below zero.
 */
async function applyDeltas(tx: StreamerTx, deltas: Map<string, Delta>): Promise<void> {
  if (deltas.size === 0) return;
  const ids = [...deltas.keys()].sort();
  const col = (k: keyof Delta) => ids.map((id) => (deltas.get(id) as Delta)[k]);
  await tx.$executeRaw`
    INSERT INTO product_metrics (product_id) SELECT id FROM unnest(${ids}::uuid[]) AS id ORDER BY id
    ON CONFLICT (product_id) DO NOTHING`;
  await tx.$executeRaw`
    UPDATE product_metrics AS m SET
      likes = GREATEST(m.likes + d.likes, 0),
      views = m.views + d.views,
      sales = GREATEST(m.sales + d.sales, 0),
      updated_at = now(),
      version = m.version + 1
    FROM unnest(${ids}::uuid[], ${col('likes')}::bigint[], ${col('views')}::bigint[], ${col('sales')}::bigint[])
      AS d(product_id, likes, views, sales)
    WHERE m.product_id = d.product_id`;
}

/** Group `metrics`: likes, views and sales per product, with the inbox rows in the same transaction. */
export class MetricsHandler implements EventHandler {
  readonly topics = [AGGREGATE_TOPICS.catalog, AGGREGATE_TOPICS.order];

  constructor(
    readonly group: string,
    private readonly db: StreamerClient,
  ) {}

  handles(event: CommerceEvent): boolean {
    return metricDeltas(event).length > 0;
  }

  async apply(events: CommerceEvent[]): Promise<ApplyOutcome> {
    const relevant = uniqueEvents(events.filter((e) => this.handles(e)));
    if (relevant.length === 0) return { applied: [], duplicates: [] };
    return this.db.$transaction(async (tx) => {
      const claimed = await claimEvents(
        tx,
        this.group,
        relevant.map((e) => e.eventId),
      );
      const applied = relevant.filter((e) => claimed.has(e.eventId));
      await applyDeltas(tx, sumDeltas(applied));
      return { applied, duplicates: relevant.filter((e) => !claimed.has(e.eventId)) };
    });
  }
}
