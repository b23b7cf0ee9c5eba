import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { PRODUCT_LIST_CACHE_PATTERN, productCacheKey, productListCacheKey } from '@outbox/events';

/** Redis keys of the product caches (shared with the streamer's cache-invalidation group). */
export const productKey = productCacheKey;
export const productListKey = productListCacheKey;
const PRODUCT_LIST_PATTERN = PRODUCT_LIST_CACHE_PATTERN;

/**
 * Cache-aside with a TTL. The cache is an optimisation, never a dependency: a Redis failure
 * is logged and the caller reads the database.
 */
export class ProductCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Returns the cached value, or loads, stores and returns it; `hit` says which. */
  async getOrLoad<T>(key: string, load: () => Promise<T | undefined>): Promise<{ value: T | undefined; hit: boolean }> {
    const cached = await this.redis.get(key).catch((err: unknown) => this.warn('get', key, err));
    if (cached) return { value: JSON.parse(cached) as T, hit: true };
    const value = await load();
    if (value !== undefined) {
      await this.redis
        .set(key, JSON.stringify(value), 'EX', this.ttlSeconds)
        .catch((err: unknown) => this.warn('set', key, err));
    }
    return { value, hit: false };
  }

  /** Drops every product list page (SCAN + UNLINK: never KEYS, never a blocking DEL). */
  async dropLists(): Promise<number> {
    let dropped = 0;
    try {
      const stream = this.redis.scanStream({ match: PRODUCT_LIST_PATTERN, count: 200 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        if (keys.length > 0) dropped += await this.redis.unlink(...keys);
      }
    } catch (err) {
      this.warn('dropLists', PRODUCT_LIST_PATTERN, err);
    }
    return dropped;
  }

  private warn(op: string, key: string, err: unknown): undefined {
    this.log.warn({ err, op, key }, 'product cache unavailable; serving from the database');
    return undefined;
  }
}
