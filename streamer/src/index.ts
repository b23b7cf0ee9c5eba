/**
 * The streamer's public entry: what other packages (the console, other packages' tests) may
 * use. Everything else in streamer/src is internal.
 */
export { loadStreamerConfig, REDIS_COMMAND_TIMEOUT_MS } from './config';
export type { StreamerConfig } from './config';
export { DeadLetterDesk } from './dlq/desk';
export type { DeadLetterView } from './dlq/desk';
export type { DeadLetterFilter } from './dlq/dead-letters';
export { DeadLetterError } from './dlq/replay';
export type { DeadLetterRefusal, ReplayReport } from './dlq/replay';
export { CacheInvalidationHandler } from './handlers/cache';
export { createStreamerMetrics } from './prometheus';
