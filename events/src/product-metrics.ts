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
