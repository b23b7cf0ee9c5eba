/**
 * Redis keys of the product caches: the api fills them (cache-aside), the streamer's
 * cache-invalidation group deletes them. One definition for both sides.
 */
export const productCacheKey = (productId: string): string => `product:${productId}`;
export const productListCacheKey = (sort: string, page: number, size: number): string =>
  `products:${sort}:${page}:${size}`;
/** Every page of every product list (SCAN MATCH pattern). */
export const PRODUCT_LIST_CACHE_PATTERN = 'products:*';
