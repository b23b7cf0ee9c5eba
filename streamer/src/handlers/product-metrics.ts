import type { StreamerClient } from '@outbox/db';
import { ROLE_TOPICS, type CommerceEvent } from '@outbox/events';
import { claimStatement, uniqueEvents } from '../inbox/inbox';
import type { ApplyOutcome, EventHandler } from './handler';

interface Delta {
  likes: number;
  views: number;
  sales: number;
}

/** The effect of one event on product_metrics, per product (docs/events.md). */
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
 * The inbox claim (inbox/inbox.ts) and the effect in ONE SQL statement (so one atomic transaction, with no
 * client-side transaction to time out half-way): the events' ids are inserted into the inbox
 * with ON CONFLICT DO NOTHING; only the claimed ones contribute their deltas, summed to one
 * upsert per product (rows in product order). Likes and sales never go below zero; a delta that
 * would have is clamped AND counted (product_metrics.clamped), so drift is never silent.
 * Returns the claimed event ids and the number of clamps.
 */
async function claimAndApply(
  db: StreamerClient,
  group: string,
  events: CommerceEvent[],
): Promise<{ claimed: Set<string>; clamped: number }> {
  const rows = events.flatMap((e) =>
    metricDeltas(e).map(([productId, d]) => ({ eventId: e.eventId, productId, ...d })),
  );
  const result = await db.$queryRaw<{ event_id: string; clamped: number }[]>`
    WITH claimed AS (${claimStatement(
      group,
      events.map((e) => e.eventId),
    )}), deltas AS (
      SELECT d.product_id, sum(d.likes) AS likes, sum(d.views) AS views, sum(d.sales) AS sales
      FROM unnest(
        ${rows.map((r) => r.eventId)}::uuid[], ${rows.map((r) => r.productId)}::uuid[],
        ${rows.map((r) => r.likes)}::bigint[], ${rows.map((r) => r.views)}::bigint[], ${rows.map((r) => r.sales)}::bigint[]
      ) AS d(event_id, product_id, likes, views, sales)
      JOIN claimed c ON c.event_id = d.event_id
      GROUP BY d.product_id
    ), applied AS (
      INSERT INTO product_metrics AS m (product_id, likes, views, sales, version, clamped)
      SELECT product_id, GREATEST(likes, 0), views, GREATEST(sales, 0), 1,
             (likes < 0)::int + (sales < 0)::int
      FROM deltas ORDER BY product_id
      ON CONFLICT (product_id) DO UPDATE SET
        likes = GREATEST(m.likes + (SELECT likes FROM deltas WHERE deltas.product_id = EXCLUDED.product_id), 0),
        views = m.views + EXCLUDED.views,
        sales = GREATEST(m.sales + (SELECT sales FROM deltas WHERE deltas.product_id = EXCLUDED.product_id), 0),
        clamped = m.clamped
          + (m.likes + (SELECT likes FROM deltas WHERE deltas.product_id = EXCLUDED.product_id) < 0)::int
          + (m.sales + (SELECT sales FROM deltas WHERE deltas.product_id = EXCLUDED.product_id) < 0)::int,
        updated_at = now(),
        version = m.version + 1
      RETURNING 1
    ), clamps AS (
      -- The same count as the column's, from the rows as this statement found them.
      SELECT coalesce(sum((coalesce(p.likes, 0) + d.likes < 0)::int + (coalesce(p.sales, 0) + d.sales < 0)::int), 0)::int AS n
      FROM deltas d LEFT JOIN product_metrics p ON p.product_id = d.product_id
    )
    SELECT event_id::text, clamps.n AS clamped FROM claimed, clamps, (SELECT count(*) FROM applied) AS done`;
  return { claimed: new Set(result.map((r) => r.event_id)), clamped: result[0]?.clamped ?? 0 };
}

/** Group `metrics`: likes, views and sales per product, with the inbox rows in the same transaction. */
export class ProductMetricsHandler implements EventHandler {
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
    const { claimed, clamped } = await claimAndApply(this.db, this.group, relevant);
    return {
      applied: relevant.filter((e) => claimed.has(e.eventId)),
      duplicates: relevant.filter((e) => !claimed.has(e.eventId)),
      clamped,
    };
  }
}
