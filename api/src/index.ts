/**
 * The api's public entry: what other packages (the benchmark, other packages' tests) may use.
 * Everything else in api/src is internal.
 */
export { sessionLimitOptions } from './db/client';
export { LIKE, UNLIKE, VIEW } from './db/hot-writes';
export type { SlottedStatement } from './db/statement';
export type { ProductCache } from './cache/product-cache';
export type { OutboxWriter } from './outbox/outbox-writer';
export { LikeService } from './services/likes';
export { ProductService } from './services/products';
export { createApiMetrics, registerOutboxGauges } from './plugins/prometheus';
export { RECONCILE_DEFAULTS } from './reconcile/run';
