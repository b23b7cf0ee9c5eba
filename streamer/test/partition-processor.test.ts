import { randomUUID } from 'node:crypto';
import { maxMessageBytes } from '@outbox/connect';
import { createStreamerClient } from '@outbox/db';
import { EventCodec, newEvent, type CommerceEvent } from '@outbox/events';
import { collectFromNow, endpoints, eventually, kafkaClient, preparePipeline, uniqueName } from '@outbox/e2e';
import Redis from 'ioredis';
import { KafkaJSProtocolError, Partitioners, type Producer } from 'kafkajs';
import pino from 'pino';
import { DeadLetters, decodeHeaders } from '../src/dlq/dead-letters';
import { DlqPublisher } from '../src/dlq/dlq-publisher';
import { actOnDeadLetter } from '../src/dlq/replay';
import { CacheInvalidationHandler } from '../src/handlers/cache';
import type { EventHandler } from '../src/handlers/handler';
import { ProductMetricsHandler } from '../src/handlers/product-metrics';
import { HandlerRegistry } from '../src/handlers/registry';
import type { Dependency } from '../src/pipeline/classify';
import { PartitionProcessor, type BatchContext } from '../src/pipeline/partition-processor';
import { toConsumedRecord, type ConsumedRecord } from '../src/pipeline/record';

/**
 * The PartitionProcessor driven directly against the real streamer database, registry and
 * Kafka: the order of the sequenced DLQ, dependency faults that must
 * wait instead of park, and bytes PostgreSQL cannot store as text.
 */
describe('partition processor: faults and the sequenced DLQ', () => {
  const db = createStreamerClient(endpoints.postgresUrl('streamer'));
  const deadLetters = new DeadLetters(db);
  const log = pino({ level: 'silent' });
  let codec: EventCodec;
  let producer: Producer;
  const running: BatchContext = { heartbeat: async () => undefined, isRunning: () => true };

  beforeAll(async () => {
    await preparePipeline();
    codec = await EventCodec.connect(endpoints.registryUrl);
    producer = kafkaClient('processor-test').producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await db.$disconnect();
  });

  const processor = (handler: EventHandler, applyMode: 'batch' | 'single', waits: Dependency[] = []) =>
    new PartitionProcessor({
      handler,
      codec,
      db,
      deadLetters,
      applyMode,
      maxAttempts: 2,
      backoff: () => 20,
      log,
      hooks: { onWait: (dependency, waiting) => waiting && waits.push(dependency) },
    });

  const record = (
    offset: number,
    key: Buffer | string,
    value: Buffer,
    headers: Record<string, Buffer | string | null>,
  ): ConsumedRecord =>
    toConsumedRecord('catalog-events', 0, {
      key: Buffer.isBuffer(key) ? key : Buffer.from(key),
      value,
      headers: headers as Record<string, Buffer>,
      offset: String(offset),
      timestamp: '0',
      attributes: 0,
    });
  const eventRecord = async (offset: number, event: CommerceEvent) =>
    record(offset, event.aggregateId, await codec.encode(event), { id: event.eventId, eventType: event.eventType });

  const queue = async (group: string) =>
    (
      await db.deadLetter.findMany({
        where: { consumerGroup: group },
        orderBy: { id: 'asc' },
        select: { id: true, offset: true, status: true, eventType: true },
      })
    ).map((r) => ({ ...r, offset: Number(r.offset) }));
  const likesOf = async (productId: string) =>
    Number((await db.productMetrics.findUnique({ where: { productId } }))?.likes ?? 0);
  const clampsOf = async (productId: string) =>
    Number((await db.productMetrics.findUnique({ where: { productId } }))?.clamped ?? 0);

  for (const mode of ['batch', 'single'] as const) {
    it(`${mode} mode: LIKE, poison, UNLIKE of one member park in offset order; discarding the head leaves likes = 0`, async () => {
      const group = uniqueName(`order-${mode}`);
      const product = randomUUID();
      const like = newEvent('PRODUCT_LIKED', product, { memberId: 'm-1' });
      const unlike = newEvent('PRODUCT_UNLIKED', product, { memberId: 'm-1' });
      const batch = [
        await eventRecord(10, like),
        record(11, product, Buffer.from('not avro'), { id: randomUUID(), eventType: 'PRODUCT_LIKED' }),
        await eventRecord(12, unlike),
      ];
      const p = processor(new ProductMetricsHandler(group, db), mode);

      const first = await p.process(batch, running);
      expect(first.applied.map((e) => e.eventType)).toEqual(['PRODUCT_LIKED']);
      expect(await likesOf(product)).toBe(1);
      // The earlier LIKE was applied, not parked; the queue is the poison head, then UNLIKE.
      expect(await queue(group)).toMatchObject([
        { offset: 11, status: 'new' },
        { offset: 12, status: 'new', eventType: 'PRODUCT_UNLIKED' },
      ]);

      // Redelivered (a rebalance before the commit): nothing is parked again, nothing applied twice.
      const again = await p.process(batch, running);
      expect(again).toMatchObject({ applied: [], parked: 0 });
      expect(await queue(group)).toHaveLength(2);
      expect(await likesOf(product)).toBe(1);

      const head = (await queue(group))[0]?.id as bigint;
      const report = await actOnDeadLetter(
        { db, codec, handlers: new HandlerRegistry([new ProductMetricsHandler(group, db)]), deadLetters },
        head,
        'discard',
      );
      expect(report).toMatchObject({ ok: true, released: [(await queue(group))[1]?.id] });
      expect(await likesOf(product)).toBe(0);
      expect(await clampsOf(product)).toBe(0);
    });
  }

  it('a record that arrives after its aggregate was parked goes behind the head; a lower offset never does', async () => {
    const group = uniqueName('behind');
    const product = randomUUID();
    const p = processor(new ProductMetricsHandler(group, db), 'batch');
    await p.process(
      [
        record(50, product, Buffer.from([0, 0, 0]), { id: randomUUID() }),
        await eventRecord(51, newEvent('PRODUCT_VIEWED', product, { memberId: null })),
      ],
      running,
    );
    // A later batch of the same partition: a lower offset (49, replayed by Connect) and a higher one.
    await p.process(
      [
        await eventRecord(49, newEvent('PRODUCT_LIKED', product, { memberId: 'low' })),
        await eventRecord(52, newEvent('PRODUCT_LIKED', product, { memberId: 'high' })),
      ],
      running,
    );
    expect((await queue(group)).map((r) => r.offset)).toEqual([50, 51, 52]);
    expect(await likesOf(product)).toBe(1);
  });

  it('waits for PostgreSQL without parking, and gives up the batch (unparked) when the consumer stops', async () => {
    const group = uniqueName('pg-down');
    const down = createStreamerClient('postgresql://outbox:outbox@127.0.0.1:1/streamer', { max: 1 });
    const waits: Dependency[] = [];
    const p = processor(new ProductMetricsHandler(group, down), 'batch', waits);
    const batch = [await eventRecord(1, newEvent('PRODUCT_VIEWED', randomUUID(), { memberId: null }))];
    await expect(
      p.process(batch, { heartbeat: async () => undefined, isRunning: () => waits.length === 0 }), // stops once it waits
    ).rejects.toThrow(/stopping/);
    expect(waits).toEqual(['postgres']);
    expect(await queue(group)).toEqual([]);
    await down.$disconnect();
  });

  it('waits for Redis without parking; a rebalance while waiting abandons the batch without parking', async () => {
    const group = uniqueName('redis-down');
    const redis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    const waits: Dependency[] = [];
    const p = processor(new CacheInvalidationHandler(group, db, redis), 'single', waits);
    let heartbeats = 0;
    // What kafkajs's heartbeat throws when the group rebalances (its types declare only the message).
    const rebalance = new KafkaJSProtocolError({
      type: 'REBALANCE_IN_PROGRESS',
      code: 27,
      retriable: false,
      message: 'The group is rebalancing',
    } as unknown as Error);
    const batch = [
      await eventRecord(
        1,
        newEvent('STOCK_DECREASED', randomUUID(), { quantity: 1, remainingStock: 4, orderId: randomUUID() }),
      ),
    ];
    await expect(
      p.process(batch, {
        heartbeat: async () => {
          heartbeats += 1;
          if (heartbeats > 3) throw rebalance;
        },
        isRunning: () => true,
      }),
    ).rejects.toBe(rebalance);
    expect(waits.length).toBeGreaterThan(0);
    expect(await queue(group)).toEqual([]);
    redis.disconnect();
  });

  it('parks NUL bytes, invalid UTF-8 and large headers losslessly, once, and publishes one DLQ record', async () => {
    const group = uniqueName('bytes');
    const key = Buffer.from([0x61, 0x00, 0x62, 0xff, 0xfe]);
    const value = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc3, 0x28]);
    const big = Buffer.alloc(64 * 1024, 0x00);
    const headers = {
      id: 'not-a-\u0000-uuid',
      eventType: 'PRODUCT_\u0000LIKED',
      blob: big,
      bad: Buffer.from([0xc3, 0x28]),
    };
    const poison = record(7, key, value, headers);
    const p = processor(new ProductMetricsHandler(group, db), 'batch');
    await p.process([poison], running);
    await p.process([poison], running); // a retry or a redelivery parks nothing twice

    const rows = await db.deadLetter.findMany({ where: { consumerGroup: group } });
    expect(rows).toHaveLength(1);
    const row = rows[0] as (typeof rows)[number];
    expect(Buffer.compare(Buffer.from(row.messageKey as Uint8Array), key)).toBe(0);
    expect(Buffer.compare(Buffer.from(row.value as Uint8Array), value)).toBe(0);
    const stored = decodeHeaders(row.headers);
    expect(stored.map((h) => h.name)).toEqual(['id', 'eventType', 'blob', 'bad']);
    expect(stored.map((h) => h.value?.toString('hex'))).toEqual([
      Buffer.from(headers.id).toString('hex'),
      Buffer.from(headers.eventType).toString('hex'),
      big.toString('hex'),
      'c328',
    ]);

    const dlq = await collectFromNow(['catalog-events.dlq']);
    const publisher = new DlqPublisher(db, producer, log);
    await publisher.publishPending();
    await publisher.publishPending();
    const ours = () => dlq.records.filter((r) => r.headers['dlq.group'] === group);
    await eventually('the dead letter in catalog-events.dlq', async () => (ours().length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await dlq.stop();
    expect(ours()).toHaveLength(1);
    expect(Buffer.compare(ours()[0]?.value as Buffer, value)).toBe(0);
    expect((await db.deadLetter.findFirst({ where: { consumerGroup: group } }))?.publishedAt).not.toBeNull();
  });

  it('a dead letter Kafka refuses (larger than the topic accepts) is kept with its reason and never blocks the next ones', async () => {
    const group = uniqueName('too-large');
    const p = processor(new ProductMetricsHandler(group, db), 'batch');
    // One byte more than catalog-events.dlq takes (its source's limit and room for the DLQ headers).
    const admin = kafkaClient('processor-test').admin();
    await admin.connect();
    const dlqLimit = await maxMessageBytes(admin, 'catalog-events.dlq').finally(() => admin.disconnect());
    const huge = Buffer.alloc(dlqLimit + 1, 0x61);
    await p.process([record(1, 'k-huge', huge, { id: randomUUID() })], running);
    await p.process([record(2, 'k-small', Buffer.from('tiny'), { id: randomUUID() })], running);
    await new DlqPublisher(db, producer, log).publishPending();
    const rows = await db.deadLetter.findMany({ where: { consumerGroup: group }, orderBy: { offset: 'asc' } });
    expect(
      rows.map((r) => [r.publishError === null ? 'ok' : 'refused', r.publishedAt === null ? 'waiting' : 'sent']),
    ).toEqual([
      ['refused', 'waiting'],
      ['ok', 'sent'],
    ]);
    expect(Buffer.from(rows[0]?.value as Uint8Array).length).toBe(huge.length);
  });
});
