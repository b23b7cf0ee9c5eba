import { productCacheKey } from '@outbox/events';
import Redis from 'ioredis';
import { queryDb } from './db';
import { endpoints } from './stack-under-test';

/** A product whose cached copy in Redis differs from its row in the commerce database. */
export interface CacheDrift {
  productId: string;
  /** The row as the api serves it (GET /products/:id). */
  row: Record<string, unknown> | undefined;
  /** What Redis holds under product:{id}, parsed when it is JSON. */
  cached: unknown;
}

const FIELDS = ['id', 'name', 'price', 'stock', 'createdAt', 'updatedAt'] as const;

/** The product object inside a cached value: the value itself, or one level down when the cache wraps it. */
function productIn(value: unknown, productId: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const object = value as Record<string, unknown>;
  if (object.id === productId) return object;
  return Object.values(object).find(
    (v): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && (v as Record<string, unknown>).id === productId,
  );
}

/**
 * The cached products (`product:{id}`, written by the api's cache-aside) that differ from
 * their rows: a stale copy an invalidation missed. A product not in the cache is fine.
 */
export async function cacheDrift(productIds: string[]): Promise<CacheDrift[]> {
  if (productIds.length === 0) return [];
  const redis = new Redis(endpoints.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // surfaced by the rejected command
  let values: (string | null)[];
  try {
    await redis.connect();
    values = await redis.mget(productIds.map(productCacheKey));
  } finally {
    redis.disconnect();
  }
  const rows = await queryDb<{
    id: string;
    name: string;
    price: number;
    stock: number;
    created_at: Date;
    updated_at: Date;
  }>(
    'commerce',
    'SELECT id::text, name, price, stock, created_at, updated_at FROM products WHERE id = ANY($1::uuid[])',
    [productIds],
  );
  const byId = new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        name: r.name,
        price: r.price,
        stock: r.stock,
        createdAt: r.created_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
      } as Record<string, unknown>,
    ]),
  );
  const drift: CacheDrift[] = [];
  productIds.forEach((productId, i) => {
    const raw = values[i];
    if (raw === null || raw === undefined) return;
    let cached: unknown = raw;
    try {
      cached = JSON.parse(raw);
    } catch {
      /* not JSON: reported as it is */
    }
    const row = byId.get(productId);
    const product = productIn(cached, productId);
    const equal =
      row !== undefined &&
      product !== undefined &&
      'stock' in product &&
      FIELDS.every((f) => !(f in product) || product[f] === row[f]);
    if (!equal) drift.push({ productId, row, cached });
  });
  return drift;
}
