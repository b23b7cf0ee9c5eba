import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import {
  CACHE_GENERATION_TTL_SECONDS,
  fillCacheEntry,
  invalidateProductCaches,
  productCacheEntry,
  productListCacheEntry,
  readCacheEntry,
  type CacheEntry,
} from '@outbox/events';

/** Redis entries of the product caches (shared with the streamer's cache-invalidation group). */
export const productEntry = productCacheEntry;
export const productListEntry = productListCacheEntry;

/**
 * Cache-aside with a TTL, guarded by generations (see @outbox/events cache-keys): the
 * generation is read with the cached value, BEFORE the database, and the fill stores only if
 * no invalidation happened in between, so a stale read never outlives an invalidation.
 * The cache is an optimisation, never a dependency: a Redis failure is logged and the caller
 * reads the database (and nothing is stored).
 */
export class ProductCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly log: FastifyBaseLogger,
  ) {
    if (ttlSeconds >= CACHE_GENERATION_TTL_SECONDS) {
      throw new Error(
        `the cache TTL (${ttlSeconds} s) must be shorter than the generation TTL (${CACHE_GENERATION_TTL_SECONDS} s)`,
      );
    }
  }

  /** Returns the cached value, or loads, stores (unless invalidated meanwhile) and returns it; `hit` says which. */
  async getOrLoad<T>(
    entry: CacheEntry,
    load: () => Promise<T | undefined>,
  ): Promise<{ value: T | undefined; hit: boolean }> {
    const read = await readCacheEntry(this.redis, entry).catch((err: unknown) => this.warn('get', entry.key, err));
    if (read?.value) return { value: JSON.parse(read.value) as T, hit: true };
    const value = await load();
    if (value !== undefined && read) {
      await fillCacheEntry(this.redis, entry, read.generation, JSON.stringify(value), this.ttlSeconds).catch(
        (err: unknown) => this.warn('set', entry.key, err),
      );
    }
    return { value, hit: false };
  }

  /** Invalidates every product list page (a new product changes them); a fill that read before stores nothing. */
  async dropLists(): Promise<number> {
    try {
      return await invalidateProductCaches(this.redis, [], { lists: true });
    } catch (err) {
      this.warn('dropLists', 'products:*', err);
      return 0;
    }
  }

  private warn(op: string, key: string, err: unknown): undefined {
    this.log.warn({ err, op, key }, 'product cache unavailable; serving from the database');
    return undefined;
  }
}
