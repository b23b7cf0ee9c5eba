/**
 * The read contract of product_metrics between the streamer (which owns the table and serves
 * it) and the api (which answers GET /products/:id/metrics and GET /rankings through it).
 */

/** The counters a ranking can be ordered by. */
export const RANK_BY = ['likes', 'views', 'sales'] as const;
export type RankBy = (typeof RANK_BY)[number];

/** One product's counters as the streamer serves them. */
export interface ProductMetricsView {
  productId: string;
  likes: number;
  views: number;
  sales: number;
  /** When the streamer last applied an event to the product (ISO 8601). */
  updatedAt: string | null;
}

/** JSON Schema of ProductMetricsView, for both services' response schemas. */
export const PRODUCT_METRICS_SCHEMA = {
  type: 'object',
  required: ['productId', 'likes', 'views', 'sales', 'updatedAt'],
  properties: {
    productId: { type: 'string', format: 'uuid' },
    likes: { type: 'integer' },
    views: { type: 'integer' },
    sales: { type: 'integer' },
    updatedAt: { type: ['string', 'null'] },
  },
} as const;

/** One counter of one product that a snapshot found different from the source. */
export interface ReconcileDifference {
  productId: string;
  field: 'likes' | 'views' | 'sales';
  expected: number;
  found: number;
  repaired: boolean;
  checkedAt: string;
}

/** What the metrics group found for one reconcile run so far (docs/operations.md#reconcile); served by the streamer at GET /reconciles/:id, read by `npm run reconcile`. */
export interface ReconcileSummary {
  reconcileId: string;
  group: string;
  /** Snapshots applied (compared) so far. */
  checked: number;
  /** Of those, products whose projection differed. */
  differing: number;
  repaired: number;
  /** The first differences, by product (up to `limit` products). */
  differences: ReconcileDifference[];
  /**
   * Products with a dead letter waiting in the group: their snapshots wait behind it like any
   * event, so they are blocked, not different.
   */
  blockedProducts: string[];
}
