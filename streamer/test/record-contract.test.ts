import { randomUUID } from 'node:crypto';
import { CATALOGUE, newEvent, type CommerceEvent } from '@outbox/events';
import { classify, SQLSTATE_CLASSES } from '../src/pipeline/classify';
import type { BatchContext } from '../src/pipeline/partition-processor';
import { toConsumedRecord, type ConsumedRecord } from '../src/pipeline/record';
import { processorKit } from './processor-kit';

/**
 * The record contract, checked on the real processor against the real streamer database and
 * registry: a record that breaks a rule is parked with a reason naming the rule, whatever its
 * key (one 3,900-character key once held every partition of the broker), and never applied.
 */
describe('record contract: what a broker accepts but the pipeline must not apply', () => {
  const kit = processorKit();
  const { db, deadLetters } = kit;
  const processor = (group: string) => kit.processor(group);
  const uniqueName = (prefix: string) => kit.group(prefix);

  /** Gives up after a few seconds: a batch that cannot finish (a park failing forever) fails the test. */
  const boundedRun = (): BatchContext => {
    const until = Date.now() + 8000;
    return { heartbeat: async () => undefined, isRunning: () => Date.now() < until };
  };

  /** The wire format without the producer-side contract check, as a hostile producer writes it. */
  const encodeUnchecked = async (event: CommerceEvent): Promise<Buffer> => {
    const header = Buffer.alloc(5);
    header.writeInt32BE(await kit.codec.schemaIdOf(event.eventType), 1);
    return Buffer.concat([header, CATALOGUE.entry(event.eventType).type.toBuffer(event)]);
  };

  const record = (
    topic: string,
    offset: number,
    key: Buffer | string | null,
    value: Buffer,
    headers: Record<string, Buffer | string | null>,
  ): ConsumedRecord =>
    toConsumedRecord(topic, 0, {
      key: key === null ? null : Buffer.isBuffer(key) ? key : Buffer.from(key),
      value,
      headers: headers as Record<string, Buffer>,
      offset: String(offset),
      timestamp: '0',
      attributes: 0,
    });

  const asRecord = async (
    topic: string,
    offset: number,
    event: CommerceEvent,
    key: string | null = event.aggregateId,
  ) => record(topic, offset, key, await encodeUnchecked(event), { id: event.eventId, eventType: event.eventType });

  const parked = async (group: string) =>
    (await db.deadLetter.findMany({ where: { consumerGroup: group }, orderBy: { offset: 'asc' } })).map((r) => ({
      offset: Number(r.offset),
      error: r.error,
    }));
  const metricsOf = async (productId: string) => db.productMetrics.findUnique({ where: { productId } });

  it('a 3,900-character key is parked and the partition moves on; later records of that key park behind it', async () => {
    const group = uniqueName('long-key');
    const longKey = Buffer.from(Array.from({ length: 2925 }, (_, i) => (i * 37) % 256)).toString('base64');
    expect(longKey.length).toBe(3900);
    const product = randomUUID();
    const viewed = newEvent('PRODUCT_VIEWED', product, { memberId: null });
    const result = await processor(group).process(
      [
        record('catalog-events', 1, longKey, Buffer.from('garbage'), { id: randomUUID() }),
        record('catalog-events', 2, longKey, Buffer.from('more garbage'), {}),
        await asRecord('catalog-events', 3, viewed),
      ],
      boundedRun(),
    );
    expect(result.parked).toBe(2);
    expect(result.applied.map((e) => e.eventId)).toEqual([viewed.eventId]);
    expect(Number((await metricsOf(product))?.views)).toBe(1);
    const rows = await db.deadLetter.findMany({ where: { consumerGroup: group }, orderBy: { offset: 'asc' } });
    expect(rows.map((r) => Buffer.from(r.messageKey as Uint8Array).toString())).toEqual([longKey, longKey]);
    expect(new Set(rows.map((r) => r.queueKey)).size).toBe(1);
    expect(await deadLetters.headIds()).toContain(rows[0]?.id.toString());
    expect(await deadLetters.headIds()).not.toContain(rows[1]?.id.toString());
  });

  it('an ORDER_CREATED with quantity -5 is parked naming the rule, and sales do not move', async () => {
    const group = uniqueName('negative');
    const product = randomUUID();
    const order = newEvent('ORDER_CREATED', randomUUID(), {
      memberId: 'm-1',
      items: [{ productId: product, quantity: -5, unitPrice: 100 }],
      totalAmount: 0,
    });
    const zero = newEvent('STOCK_DECREASED', product, { quantity: 0, remainingStock: 3, orderId: randomUUID() });
    const result = await processor(group).process(
      [await asRecord('order-events', 1, order), await asRecord('catalog-events', 2, zero)],
      boundedRun(),
    );
    expect(result.applied).toEqual([]);
    const rows = await parked(group);
    expect(rows.map((r) => r.offset)).toEqual([1, 2]);
    expect(rows[0]?.error).toMatch(/items\[0\]\.quantity: expected a positive quantity, got -5/);
    expect(rows[1]?.error).toMatch(/quantity: expected a positive quantity, got 0/);
    expect(await metricsOf(product)).toBeNull();
  });

  it('parks a record whose aggregateType belongs on another topic, whose id header is not its eventId, or whose key is null', async () => {
    const group = uniqueName('misplaced');
    const product = randomUUID();
    const liked = () => newEvent('PRODUCT_LIKED', product, { memberId: randomUUID() });
    const onOrderTopic = await asRecord('order-events', 1, liked());
    const otherId = liked();
    const wrongId = record('catalog-events', 2, product, await encodeUnchecked(otherId), {
      id: randomUUID(),
      eventType: 'PRODUCT_LIKED',
    });
    const noId = record('catalog-events', 3, product, await encodeUnchecked(liked()), { eventType: 'PRODUCT_LIKED' });
    const nullKey = await asRecord('catalog-events', 4, liked(), null);
    const result = await processor(group).process([onOrderTopic, wrongId, noId, nullKey], boundedRun());
    expect(result.applied).toEqual([]);
    const errors = (await parked(group)).map((r) => r.error);
    expect(errors).toEqual([
      expect.stringMatching(/aggregateType catalog belongs on catalog-events, not order-events/),
      expect.stringMatching(/header id [0-9a-f-]+ is not the eventId/),
      expect.stringMatching(/header id is missing/),
      expect.stringMatching(/the key is null/),
    ]);
    expect(await metricsOf(product)).toBeNull();
  });

  it('parks an event whose ids are not canonical (an upper-case key and aggregate id are another partition)', async () => {
    const group = uniqueName('upper');
    const product = randomUUID();
    const upper = newEvent('PRODUCT_LIKED', product.toUpperCase(), { memberId: 'm' });
    const lowerKey = await asRecord('catalog-events', 1, upper, product);
    const upperKey = await asRecord(
      'catalog-events',
      2,
      newEvent('PRODUCT_LIKED', product.toUpperCase(), { memberId: 'n' }),
    );
    const mismatch = await asRecord(
      'catalog-events',
      3,
      newEvent('PRODUCT_LIKED', product, { memberId: 'o' }),
      product.toUpperCase(),
    );
    const result = await processor(group).process([lowerKey, upperKey, mismatch], boundedRun());
    expect(result.applied).toEqual([]);
    const errors = (await parked(group)).map((r) => r.error);
    expect(errors).toEqual([
      expect.stringMatching(/aggregateId: expected a lower-case UUID/),
      expect.stringMatching(/aggregateId: expected a lower-case UUID/),
      expect.stringMatching(/key [0-9A-F-]+ is not the aggregate id/),
    ]);
    expect(await metricsOf(product)).toBeNull();
  });
});

describe('error classification: every SQLSTATE class is sorted explicitly', () => {
  /** A PostgreSQL error as the bare pg driver reports it. */
  const pgError = (code: string) => Object.assign(new Error(`error ${code}`), { code, severity: 'ERROR' });

  it.each([
    ['54000', 'poison'], // index row size exceeds the btree maximum: the record's data
    ['22001', 'poison'], // value too long
    ['23514', 'poison'], // a CHECK failing
    ['P0001', 'poison'], // a trigger refusing the row
    ['21000', 'poison'], // ON CONFLICT touching a row twice (a batch repeating an event)
    ['08006', 'wait'], // connection failure
    ['53100', 'wait'], // disk full
    ['53300', 'wait'], // too many connections
    ['55P03', 'wait'], // lock not available (lock_timeout)
    ['57014', 'wait'], // statement timeout
    ['57P01', 'wait'], // admin shutdown
    ['40001', 'wait'], // serialization failure
    ['40P01', 'wait'], // deadlock
    ['25006', 'wait'], // read-only transaction (a standby after a failover)
    ['42P01', 'wait'], // undefined table (a deploy ahead of its migration)
    ['28P01', 'wait'], // password authentication failed
    ['3D000', 'wait'], // the database does not exist
    ['XX000', 'wait'], // internal error
    ['ZZ999', 'wait'], // a class nobody defined: never park on an unknown cause
  ])('%s is %s', (code, kind) => {
    expect(classify(pgError(code)).kind).toBe(kind);
  });

  it('lists every class PostgreSQL defines', () => {
    const documented =
      '00 01 02 03 08 09 0A 0B 0F 0L 0P 0Z 20 21 22 23 24 25 26 27 28 2B 2D 2F 34 38 39 3B 3D 3F 40 42 44 53 54 55 57 58 72 F0 HV P0 XX';
    expect(Object.keys(SQLSTATE_CLASSES).sort()).toEqual(documented.split(' ').sort());
  });
});
