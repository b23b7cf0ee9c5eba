import type { StreamerClient } from '@outbox/db';
import { ROLE_TOPICS, type CommerceEvent } from '@outbox/events';
import { uniqueEvents } from '../inbox/inbox';
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

/**
 * The inbox claim and the effect in ONE SQL statement (so one atomic transaction, with no
 * client-side transaction to time out half-way): the events' ids are inserted into the inbox
 * with ON CONFLICT DO NOTHING; only the claimed ones contribute their deltas, summed to one
 * upsert per product (rows in product order); likes and sales never go below zero.
 * Returns the claimed event ids.
 */
async function claimAndApply(db: StreamerClient, group: string, events: CommerceEvent[]): Promise<Set<string>> {
  const rows = events.flatMap((e) =>
    metricDeltas(e).map(([productId, d]) => ({ eventId: e.eventId, productId, ...d })),
  );
  const claimed = await db.$queryRaw<{ event_id: string }[]>`
    WITH claimed AS (
      INSERT INTO event_handled (consumer_group, event_id)
      SELECT ${group}, id FROM unnest(${events.map((e) => e.eventId)}::uuid[]) AS id
      ON CONFLICT DO NOTHING
      RETURNING event_id
    ), deltas AS (
      SELECT d.product_id, sum(d.likes) AS likes, sum(d.views) AS views, sum(d.sales) AS sales
      FROM unnest(
        ${rows.map((r) => r.eventId)}::uuid[], ${rows.map((r) => r.productId)}::uuid[],
        ${rows.map((r) => r.likes)}::bigint[], ${rows.map((r) => r.views)}::bigint[], ${rows.map((r) => r.sales)}::bigint[]
      ) AS d(event_id, product_id, likes, views, sales)
      JOIN claimed c ON c.event_id = d.event_id
      GROUP BY d.product_id
    ), applied AS (
      INSERT INTO product_metrics AS m (product_id, likes, views, sales, version)
      SELECT product_id, GREATEST(likes, 0), views, GREATEST(sales, 0), 1 FROM deltas ORDER BY product_id
      ON CONFLICT (product_id) DO UPDATE SET
        likes = GREATEST(m.likes + (SELECT likes FROM deltas WHERE deltas.product_id = EXCLUDED.product_id), 0),
        views = m.views + EXCLUDED.views,
        sales = GREATEST(m.sales + (SELECT sales FROM deltas WHERE deltas.product_id = EXCLUDED.product_id), 0),
        updated_at = now(),
        version = m.version + 1
      RETURNING 1
    )
    SELECT event_id::text FROM claimed, (SELECT count(*) FROM applied) AS done`;
  return new Set(claimed.map((r) => r.event_id));
}

/** Group `metrics`: likes, views and sales per product, with the inbox rows in the same transaction. */
export class MetricsHandler implements EventHandler {
  readonly topics = [...ROLE_TOPICS.metrics];

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
    const claimed = await claimAndApply(this.db, this.group, relevant);
    return {
      applied: relevant.filter((e) => claimed.has(e.eventId)),
      duplicates: relevant.filter((e) => !claimed.has(e.eventId)),
    };
  }
}
