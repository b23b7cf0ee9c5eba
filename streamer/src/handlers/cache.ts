import type { StreamerClient } from '@outbox/db';
import { ROLE_TOPICS, invalidateProductCaches, type CommerceEvent } from '@outbox/events';
import type { Redis } from 'ioredis';
import { claimEvents, handledAlready, uniqueEvents } from '../inbox/inbox';
import type { ApplyOutcome, EventHandler } from './handler';

/**
 * Group `cache-invalidation`. Redis and the inbox cannot share a transaction, so the cache is
 * invalidated first and the inbox rows are committed after: a crash in between replays the
 * event, and invalidating twice is harmless (the next read repopulates it from the database).
 * The invalidation bumps the entries' generations with the delete (@outbox/events
 * cache-keys), so an api fill that read the database before this change stores nothing.
 * Redis errors propagate: the pipeline retries the batch.
 */
export class CacheInvalidationHandler implements EventHandler {
  readonly topics = [...ROLE_TOPICS.cacheInvalidation];

  constructor(
    readonly group: string,
    private readonly db: StreamerClient,
    private readonly redis: Redis,
  ) {}

  handles(event: CommerceEvent): boolean {
    return event.eventType === 'STOCK_DECREASED' || event.eventType === 'STOCK_INCREASED';
  }

  async apply(events: CommerceEvent[]): Promise<ApplyOutcome> {
    const relevant = uniqueEvents(events.filter((e) => this.handles(e)));
    if (relevant.length === 0) return { applied: [], duplicates: [] };
    const seen = await handledAlready(
      this.db,
      this.group,
      relevant.map((e) => e.eventId),
    );
    const fresh = relevant.filter((e) => !seen.has(e.eventId));

    const products = new Set<string>();
    let lists = false;
    for (const event of fresh) {
      if (event.eventType !== 'STOCK_DECREASED' && event.eventType !== 'STOCK_INCREASED') continue;
      products.add(event.aggregateId);
      // Selling out removes the product from the lists; a restock can bring it back.
      if (event.eventType === 'STOCK_INCREASED' || event.remainingStock === 0) lists = true;
    }
    await invalidateProductCaches(this.redis, products, { lists });

    // One statement: the inbox rows commit atomically on their own.
    const claimed = await claimEvents(
      this.db,
      this.group,
      fresh.map((e) => e.eventId),
    );
    return {
      applied: fresh.filter((e) => claimed.has(e.eventId)),
      duplicates: relevant.filter((e) => !claimed.has(e.eventId)),
    };
  }
}
