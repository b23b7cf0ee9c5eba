import type { CommerceEvent } from '@outbox/events';
import type { ApplyOutcome, EventHandler } from '../src/handlers/handler';
import { loadStreamerConfig } from '../src/config';
import { HandlerRegistry } from '../src/handlers/registry';
import { createStreamerDeps } from '../src/wiring';

const handler = (group: string, topics: string[]): EventHandler => ({
  group,
  topics,
  handles: () => true,
  apply: (events: CommerceEvent[]): Promise<ApplyOutcome> => Promise.resolve({ applied: events, duplicates: [] }),
});

describe('handler registry (validated at start)', () => {
  it('keeps the handlers in order and finds one by group', () => {
    const metrics = handler('metrics', ['catalog-events', 'order-events']);
    const cache = handler('cache-invalidation', ['catalog-events']);
    const registry = new HandlerRegistry([metrics, cache]);
    expect(registry.all.map((h) => h.group)).toEqual(['metrics', 'cache-invalidation']);
    expect(registry.forGroup('cache-invalidation')).toBe(cache);
    expect(registry.forGroup('nope')).toBeUndefined();
  });

  it('refuses two handlers on one group (METRICS_GROUP_ID equal to CACHE_GROUP_ID)', () => {
    expect(() => new HandlerRegistry([handler('g', ['catalog-events']), handler('g', ['order-events'])])).toThrow(
      'invalid consumer groups: group "g" is registered twice',
    );
  });

  it('refuses unknown topics, no topic, an empty group and no handler at all, naming each', () => {
    expect(() => new HandlerRegistry([handler('m', ['catalog-event'])])).toThrow(
      /group "m" reads unknown topic "catalog-event" \(known: catalog-events, order-events\)/,
    );
    expect(() => new HandlerRegistry([handler('m', [])])).toThrow(/group "m" reads no topic/);
    expect(() => new HandlerRegistry([handler(' ', ['catalog-events'])])).toThrow(/an empty group id/);
    expect(() => new HandlerRegistry([])).toThrow(/no handler registered/);
  });
});

describe('streamer start-up with a bad group setting', () => {
  it('fails before it connects to Kafka when both roles get the same group id', async () => {
    const config = { ...loadStreamerConfig(), metricsGroupId: 'same', cacheGroupId: 'same', logLevel: 'silent' };
    // An unreachable broker list: had it connected first, this would fail on Kafka, not on the groups.
    await expect(createStreamerDeps({ ...config, kafkaBrokers: ['127.0.0.1:1'] })).rejects.toThrow(
      'invalid consumer groups: group "same" is registered twice',
    );
  });
});
