import type { StreamerClient } from '@outbox/db';
import { AGGREGATE_TOPICS, type EventTopic } from '@outbox/events';
import type { Redis } from 'ioredis';
import type { StreamerConfig } from '../config';
import { CacheInvalidationHandler } from './cache';
import type { EventHandler } from './handler';
import { ProductMetricsHandler } from './product-metrics';

const KNOWN_TOPICS: ReadonlySet<string> = new Set<EventTopic>(Object.values(AGGREGATE_TOPICS));

/**
 * The consumer groups this streamer runs, checked once at start: every group id is unique (two
 * handlers on one group would split its partitions and commit each other's offsets) and every
 * topic is one of the pipeline's event topics (a typo would subscribe to nothing, silently).
 */
export class HandlerRegistry {
  private readonly byGroupId: ReadonlyMap<string, EventHandler>;

  constructor(handlers: readonly EventHandler[]) {
    const problems: string[] = [];
    const byGroupId = new Map<string, EventHandler>();
    if (handlers.length === 0) problems.push('no handler registered');
    for (const handler of handlers) {
      if (handler.group.trim() === '') problems.push('a handler has an empty group id');
      if (byGroupId.has(handler.group)) problems.push(`group "${handler.group}" is registered twice`);
      byGroupId.set(handler.group, handler);
      if (handler.topics.length === 0) problems.push(`group "${handler.group}" reads no topic`);
      for (const topic of handler.topics)
        if (!KNOWN_TOPICS.has(topic))
          problems.push(
            `group "${handler.group}" reads unknown topic "${topic}" (known: ${[...KNOWN_TOPICS].join(', ')})`,
          );
    }
    if (problems.length > 0) throw new Error(`invalid consumer groups: ${problems.join('; ')}`);
    this.byGroupId = byGroupId;
  }

  /** Every handler, in registration order. */
  get all(): EventHandler[] {
    return [...this.byGroupId.values()];
  }

  /** The handler of a consumer group, if this streamer runs it. */
  forGroup(group: string): EventHandler | undefined {
    return this.byGroupId.get(group);
  }
}

/** The two groups of this streamer, from its configuration (the service and the DLQ tools alike). */
export function streamerHandlers(
  config: Pick<StreamerConfig, 'metricsGroupId' | 'cacheGroupId'>,
  db: StreamerClient,
  redis: Redis,
): HandlerRegistry {
  return new HandlerRegistry([
    new ProductMetricsHandler(config.metricsGroupId, db),
    new CacheInvalidationHandler(config.cacheGroupId, db, redis),
  ]);
}
