import { randomUUID } from 'node:crypto';
import { createStreamerClient } from '@outbox/db';
import { EventCodec, newEvent } from '@outbox/events';
import { endpoints, preparePipeline, uniqueName } from '@outbox/e2e';
import Redis from 'ioredis';
import { DeadLetters } from '../src/dlq/dead-letters';
import { actOnDeadLetter } from '../src/dlq/replay';
import { CacheInvalidationHandler } from '../src/handlers/cache';
import { HandlerRegistry } from '../src/handlers/registry';
import type { Dependency } from '../src/pipeline/classify';
import { toConsumedRecord } from '../src/pipeline/record';

/**
 * Releasing a queue is an operator's act: a dependency blip in the middle of it (here Redis
 * refusing writes for a few seconds, CLIENT PAUSE) is waited out, and the release finishes,
 * instead of leaving the valid records behind the head parked until someone acts again.
 */
describe('release of a dead-letter queue during a dependency blip', () => {
  const db = createStreamerClient(endpoints.postgresUrl('streamer'));
  const deadLetters = new DeadLetters(db);
  // A command bound below the pause, as the streamer's own client has.
  const redis = new Redis(endpoints.redisUrl, { commandTimeout: 300, maxRetriesPerRequest: 1 });
  const admin = new Redis(endpoints.redisUrl);
  let codec: EventCodec;

  beforeAll(async () => {
    await preparePipeline();
    codec = await EventCodec.connect(endpoints.registryUrl);
  });
  afterAll(async () => {
    await admin.call('CLIENT', 'UNPAUSE');
    redis.disconnect();
    admin.disconnect();
    await db.$disconnect();
  });

  it('waits out a Redis pause and releases every record behind the head', async () => {
    const group = uniqueName('release-blip');
    const product = randomUUID();
    const parked = async (offset: number, quantity: number) => {
      const event = newEvent('STOCK_DECREASED', product, { quantity, remainingStock: 10, orderId: randomUUID() });
      const record = toConsumedRecord('catalog-events', 1, {
        key: Buffer.from(product),
        value: await codec.encode(event),
        headers: { id: event.eventId, eventType: event.eventType },
        offset: String(offset),
        timestamp: '0',
        attributes: 0,
      });
      await deadLetters.park({ group, record, error: 'parked by the test', attempts: 1 });
    };
    await parked(10, 1);
    await parked(11, 2);
    await parked(12, 3);
    const [head, ...behind] = await db.deadLetter.findMany({
      where: { consumerGroup: group },
      orderBy: { offset: 'asc' },
    });

    const waits: Dependency[] = [];
    await admin.call('CLIENT', 'PAUSE', '2500', 'WRITE');
    const report = await actOnDeadLetter(
      {
        db,
        codec,
        deadLetters,
        handlers: new HandlerRegistry([new CacheInvalidationHandler(group, db, redis)]),
        backoff: () => 200,
        onWait: (fault) => waits.push(fault.dependency),
      },
      head?.id as bigint,
      'replay',
    );

    expect(report).toMatchObject({ ok: true, released: behind.map((r) => r.id) });
    expect(report.newHead).toBeUndefined();
    expect(waits).toContain('redis');
    const statuses = await db.deadLetter.findMany({ where: { consumerGroup: group }, orderBy: { offset: 'asc' } });
    expect(statuses.map((r) => r.status)).toEqual(['replayed', 'replayed', 'replayed']);
    const handled = await db.eventHandled.count({ where: { consumerGroup: group } });
    expect(handled).toBe(3);
  });
});
