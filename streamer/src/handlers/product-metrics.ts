import type { StreamerClient } from '@outbox/db';
import { ROLE_TOPICS, type CommerceEvent, type EventOf } from '@outbox/events';
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
    // Sales in the product's own order: the stock an order took, less what a failed payment put
    // back (both written with the order's or the payment's own transaction).
    case 'STOCK_DECREASED':
      return [[event.aggregateId, { likes: 0, views: 0, sales: event.quantity }]];
    case 'STOCK_INCREASED':
      return [[event.aggregateId, { likes: 0, views: 0, sales: -event.quantity }]];
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

type Snapshot = EventOf<'PRODUCT_METRICS_SNAPSHOT'>;

/**
 * Product snapshots at their point of each product's order (docs/operations.md#reconcile), in one
 * statement with their inbox claim: the projection as this statement finds it is compared with
 * each snapshot and the outcome recorded in reconcile_check; in REPAIR mode a product that
 * differs is set to the snapshot's counters (later events apply on top). At most one snapshot per
 * product per call. Returns the claimed ids and how many of them differed.
 */
async function claimAndCheck(
  db: StreamerClient,
  group: string,
  snapshots: Snapshot[],
): Promise<{ claimed: Set<string>; differing: number }> {
  const column = <T>(f: (s: Snapshot) => T): T[] => snapshots.map(f);
  const rows = await db.$queryRaw<{ event_id: string; differs: boolean }[]>`
    WITH claimed AS (${claimStatement(
      group,
      snapshots.map((s) => s.eventId),
    )}), found AS (
      SELECT s.*, coalesce(m.likes, 0) AS found_likes, coalesce(m.views, 0) AS found_views,
             coalesce(m.sales, 0) AS found_sales
      FROM unnest(
        ${column((s) => s.eventId)}::uuid[], ${column((s) => s.aggregateId)}::uuid[], ${column((s) => s.reconcileId)}::uuid[],
        ${column((s) => s.mode)}::text[], ${column((s) => s.likes)}::bigint[], ${column((s) => s.views)}::bigint[],
        ${column((s) => s.sales)}::bigint[]
      ) AS s(event_id, product_id, reconcile_id, mode, likes, views, sales)
      JOIN claimed c ON c.event_id = s.event_id
      LEFT JOIN product_metrics m ON m.product_id = s.product_id
    ), judged AS (
      SELECT f.*, (f.found_likes, f.found_views, f.found_sales) IS DISTINCT FROM (f.likes, f.views, f.sales) AS differs
      FROM found f
    ), checked AS (
      INSERT INTO reconcile_check (event_id, consumer_group, reconcile_id, product_id, mode,
        expected_likes, expected_views, expected_sales, found_likes, found_views, found_sales, differs, repaired)
      SELECT event_id, ${group}, reconcile_id, product_id, mode, likes, views, sales,
        found_likes, found_views, found_sales, differs, differs AND mode = 'REPAIR'
      FROM judged
      RETURNING event_id, differs
    ), repaired AS (
      INSERT INTO product_metrics AS m (product_id, likes, views, sales, version, clamped)
      SELECT product_id, likes, views, sales, 1, 0 FROM judged
      WHERE differs AND mode = 'REPAIR' ORDER BY product_id
      ON CONFLICT (product_id) DO UPDATE SET
        likes = EXCLUDED.likes, views = EXCLUDED.views, sales = EXCLUDED.sales,
        updated_at = now(), version = m.version + 1
      RETURNING 1
    )
    SELECT event_id::text, differs FROM checked, (SELECT count(*) FROM repaired) AS done`;
  return { claimed: new Set(rows.map((r) => r.event_id)), differing: rows.filter((r) => r.differs).length };
}

/** Group `metrics`: likes, views and sales per product, with the inbox rows in the same transaction. */
export class ProductMetricsHandler implements EventHandler {
  readonly topics = [...ROLE_TOPICS.metrics];

  constructor(
    readonly group: string,
    private readonly db: StreamerClient,
  ) {}

  handles(event: CommerceEvent): boolean {
    return event.eventType === 'PRODUCT_METRICS_SNAPSHOT' || metricDeltas(event).length > 0;
  }

  /**
   * The deltas of a batch are summed into one statement; a snapshot cuts the batch, so it is
   * compared with the projection exactly after the events before it and before those after it.
   */
  async apply(events: CommerceEvent[]): Promise<ApplyOutcome> {
    const outcome: Required<ApplyOutcome> = { applied: [], duplicates: [], clamped: 0, drifted: 0 };
    const sort = (run: CommerceEvent[], claimed: Set<string>) => {
      for (const e of run) (claimed.has(e.eventId) ? outcome.applied : outcome.duplicates).push(e);
    };
    let deltas: CommerceEvent[] = [];
    let snapshots: Snapshot[] = [];
    /** The products of the snapshots waiting in `snapshots`. */
    const snapshotted = new Set<string>();
    const applyDeltas = async (): Promise<void> => {
      if (deltas.length === 0) return;
      const { claimed, clamped } = await claimAndApply(this.db, this.group, deltas);
      sort(deltas, claimed);
      outcome.clamped += clamped;
      deltas = [];
    };
    const checkSnapshots = async (): Promise<void> => {
      if (snapshots.length === 0) return;
      const { claimed, differing } = await claimAndCheck(this.db, this.group, snapshots);
      sort(snapshots, claimed);
      outcome.drifted += differing;
      snapshots = [];
      snapshotted.clear();
    };
    for (const event of uniqueEvents(events.filter((e) => this.handles(e)))) {
      if (event.eventType === 'PRODUCT_METRICS_SNAPSHOT') {
        await applyDeltas();
        // One snapshot per product per statement: a second one is compared after the first.
        if (snapshotted.has(event.aggregateId)) await checkSnapshots();
        snapshotted.add(event.aggregateId);
        snapshots.push(event);
      } else {
        await checkSnapshots();
        deltas.push(event);
      }
    }
    await applyDeltas();
    await checkSnapshots();
    return outcome;
  }
}
