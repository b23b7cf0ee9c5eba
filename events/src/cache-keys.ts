/**
 * The product caches, shared by both sides: the api fills them (cache-aside), the streamer's
 * cache-invalidation group invalidates them. Key names, Lua scripts and the two operations
 * live here once.
 *
 * A fill must never write over an invalidation it did not see (docs/guarantees.md): a reader misses,
 * reads stock 5 from the database; an order commits stock 4; the streamer deletes the key
 * (nothing there yet); the reader then stores stock 5 for the whole TTL. So every entry has
 * a generation that each invalidation replaces with a new unique token (atomically with the
 * delete), a
 * reader reads the generation BEFORE it reads the database, and the fill is a Lua script that
 * stores the value only while the generation is still the one the reader saw. A fill that
 * read the database before an invalidation finds a newer generation and stores nothing; a
 * fill that read it after is fresh. Invalidating again (a replay) only changes the token.
 * Tokens rather than counters: Redis here keeps no data across a restart, and a counter
 * recreated from zero could come back to the very value a slow reader holds.
 */
import { randomUUID } from 'node:crypto';

/** `product:{id}`: one product. */
export const productCacheKey = (productId: string): string => `product:${productId}`;
/**
 * `cache-gen:product:{id}`: the generation of `product:{id}`. Generations live under their own
 * prefix, so a SCAN of `product:*` or `products:*` only ever sees cached values.
 */
export const productGenerationKey = (productId: string): string => `cache-gen:product:${productId}`;
/** `products:{sort}:{page}:{size}`: one page of a product list. */
export const productListCacheKey = (sort: string, page: number, size: number): string =>
  `products:${sort}:${page}:${size}`;
/** Every page of every product list (SCAN MATCH pattern). */
export const PRODUCT_LIST_CACHE_PATTERN = 'products:*';
/** The generation of all product list pages; deliberately NOT matched by `products:*` (the SCAN never deletes it). */
export const PRODUCT_LISTS_GENERATION_KEY = 'cache-gen:products';

/**
 * How long a generation outlives its last invalidation. A fill that took longer than this
 * between reading the generation and storing finds no generation and stores only if it read
 * none either; it must be far above any cache TTL and request time.
 */
export const CACHE_GENERATION_TTL_SECONDS = 24 * 60 * 60;

/** A cache entry and the generation counter that guards it. */
export interface CacheEntry {
  key: string;
  generationKey: string;
}

export const productCacheEntry = (productId: string): CacheEntry => ({
  key: productCacheKey(productId),
  generationKey: productGenerationKey(productId),
});

export const productListCacheEntry = (sort: string, page: number, size: number): CacheEntry => ({
  key: productListCacheKey(sort, page, size),
  generationKey: PRODUCT_LISTS_GENERATION_KEY,
});

/**
 * Stores a value only if the generation is unchanged since the reader read it.
 * KEYS[1] entry, KEYS[2] its generation; ARGV[1] the generation read before the database read
 * ('' when there was none), ARGV[2] the value, ARGV[3] the TTL in seconds. Returns 1 if stored.
 */
export const FILL_IF_GENERATION_UNCHANGED_SCRIPT = `
local current = redis.call('GET', KEYS[2])
if (current or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;

/**
 * Invalidates atomically: sets each generation to a new unique token (with its TTL), then
 * unlinks the entries. KEYS[1..ARGV[2]] generations, the remaining KEYS entries; ARGV[1] the
 * generation TTL in seconds, ARGV[2] how many KEYS are generations, ARGV[3] the new token.
 * Idempotent in effect: a replay changes the generations again and deletes nothing new.
 */
export const INVALIDATE_SCRIPT = `
local generations = tonumber(ARGV[2])
for i = 1, generations do
  redis.call('SET', KEYS[i], ARGV[3], 'EX', ARGV[1])
end
for i = generations + 1, #KEYS do
  redis.call('UNLINK', KEYS[i])
end
return generations
`;

/** The few Redis commands the cache needs (ioredis's `Redis` fits; this package does not depend on it). */
export interface CacheRedis {
  mget(...keys: string[]): Promise<(string | null)[]>;
  eval(script: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  scan(
    cursor: string,
    matchToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[cursor: string, keys: string[]]>;
  unlink(...keys: string[]): Promise<number>;
}

/** One round trip: the cached value, if any, and the generation a fill must present. */
export async function readCacheEntry(
  redis: CacheRedis,
  entry: CacheEntry,
): Promise<{ value: string | null; generation: string }> {
  const [value, generation] = await redis.mget(entry.key, entry.generationKey);
  return { value: value ?? null, generation: generation ?? '' };
}

/** Stores the value unless an invalidation happened since `generation` was read; true when stored. */
export async function fillCacheEntry(
  redis: CacheRedis,
  entry: CacheEntry,
  generation: string,
  value: string,
  ttlSeconds: number,
): Promise<boolean> {
  const stored = await redis.eval(
    FILL_IF_GENERATION_UNCHANGED_SCRIPT,
    2,
    entry.key,
    entry.generationKey,
    generation,
    value,
    ttlSeconds,
  );
  return stored === 1;
}

/**
 * Invalidates `product:{id}` of each product and, with `lists`, every list page: the
 * generations are bumped and the product keys deleted in one script, then the pages are
 * deleted with SCAN + UNLINK (never KEYS, which blocks Redis). A page filled while the scan
 * runs was read after the bump, so it is fresh. Errors propagate (the caller decides).
 * Returns how many list pages were deleted.
 */
export async function invalidateProductCaches(
  redis: CacheRedis,
  productIds: Iterable<string>,
  options: { lists: boolean },
): Promise<number> {
  const ids = [...new Set(productIds)];
  const generations = ids.map(productGenerationKey);
  if (options.lists) generations.push(PRODUCT_LISTS_GENERATION_KEY);
  if (generations.length === 0) return 0;
  const keys = [...generations, ...ids.map(productCacheKey)];
  await redis.eval(
    INVALIDATE_SCRIPT,
    keys.length,
    ...keys,
    CACHE_GENERATION_TTL_SECONDS,
    generations.length,
    `${Date.now()}-${randomUUID()}`,
  );
  if (!options.lists) return 0;
  let dropped = 0;
  let cursor = '0';
  do {
    const [next, pageKeys] = await redis.scan(cursor, 'MATCH', PRODUCT_LIST_CACHE_PATTERN, 'COUNT', 200);
    if (pageKeys.length > 0) dropped += await redis.unlink(...pageKeys);
    cursor = next;
  } while (cursor !== '0');
  return dropped;
}
