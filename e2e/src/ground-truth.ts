import { queryDb } from './db';
import { eventually } from './wait';

export interface Counters {
  likes: number;
  views: number;
  sales: number;
}

/**
 * docs/guarantees.md: what product_metrics must equal, computed from the api's own tables: the likes
 * table count, the view count, and the quantities of orders that did not fail.
 */
export async function groundTruth(productIds: string[]): Promise<Map<string, Counters>> {
  const rows = await queryDb<{ id: string; likes: string; views: string; sales: string }>(
    'commerce',
    `SELECT p.id,
       (SELECT count(*) FROM product_likes l WHERE l.product_id = p.id) AS likes,
       (SELECT count(*) FROM product_views v WHERE v.product_id = p.id) AS views,
       (SELECT coalesce(sum(i.quantity), 0) FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.product_id = p.id AND o.status <> 'FAILED') AS sales
     FROM products p WHERE p.id = ANY($1::uuid[])`,
    [productIds],
  );
  return new Map(rows.map((r) => [r.id, { likes: Number(r.likes), views: Number(r.views), sales: Number(r.sales) }]));
}

/** product_metrics as the streamer has applied them (a product without a row counts zero). */
export async function appliedMetrics(productIds: string[]): Promise<Map<string, Counters>> {
  const rows = await queryDb<{ product_id: string; likes: string; views: string; sales: string }>(
    'streamer',
    'SELECT product_id, likes, views, sales FROM product_metrics WHERE product_id = ANY($1::uuid[])',
    [productIds],
  );
  const byId = new Map(
    rows.map((r) => [r.product_id, { likes: Number(r.likes), views: Number(r.views), sales: Number(r.sales) }]),
  );
  return new Map(productIds.map((id) => [id, byId.get(id) ?? { likes: 0, views: 0, sales: 0 }]));
}

/** The products whose applied metrics differ from the ground truth (empty when all agree). */
export async function metricsDrift(
  productIds: string[],
): Promise<{ productId: string; truth: Counters; applied: Counters }[]> {
  const [truth, applied] = await Promise.all([groundTruth(productIds), appliedMetrics(productIds)]);
  const zero = { likes: 0, views: 0, sales: 0 };
  return productIds
    .map((productId) => ({ productId, truth: truth.get(productId) ?? zero, applied: applied.get(productId) ?? zero }))
    .filter(({ truth: t, applied: a }) => t.likes !== a.likes || t.views !== a.views || t.sales !== a.sales);
}

/** Waits until product_metrics equals the ground truth for these products; fails listing the ones that differ. */
export async function expectNoDrift(productIds: string[], timeoutMs = 90_000): Promise<void> {
  let last: Awaited<ReturnType<typeof metricsDrift>> = [];
  await eventually(
    'product_metrics to equal the ground truth',
    async () => {
      last = await metricsDrift(productIds);
      return last.length === 0 ? true : undefined;
    },
    timeoutMs,
  ).catch(() => {
    throw new Error(
      `product_metrics differs from the ground truth for ${last.length} product(s): ${JSON.stringify(last.slice(0, 5))}`,
    );
  });
}
