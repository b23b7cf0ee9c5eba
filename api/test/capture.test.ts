import { applyConnector } from '@outbox/connect';
import { AGGREGATE_TOPICS } from '@outbox/events';
import { collectFromNow, eventually, killServer, stack, startServer, type RecordCollector } from '@outbox/e2e';
import { createProduct, http, member, outboxOf, startTestApi, type TestApi } from './support';

/**
 * Capture end to end: changes made through the api over HTTP reach Kafka through Debezium's
 * outbox EventRouter, with key = aggregateId, headers id and eventType, and the Avro value
 * passed through byte for byte.
 */
describe('outbox capture by Debezium', () => {
  let api: TestApi;
  let collector: RecordCollector;
  const topics = Object.values(AGGREGATE_TOPICS);

  beforeAll(async () => {
    api = await startTestApi();
    await applyConnector(stack);
    collector = await collectFromNow(topics);
  });
  afterAll(async () => {
    await collector.stop();
    await api.close();
  });

  const recordsOf = (aggregateId: string) => collector.records.filter((r) => r.key === aggregateId);
  const waitForRecords = (aggregateId: string, count: number, timeoutMs = 60_000) =>
    eventually(
      `${count} records for ${aggregateId}`,
      async () => (recordsOf(aggregateId).length >= count ? recordsOf(aggregateId) : undefined),
      timeoutMs,
    );

  it('routes a like, an order and a failed payment to the right topics, intact', async () => {
    const productId = await createProduct(api, 5, 1200);
    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('cap-1') });
    const order = await http(api, 'POST', '/orders', {
      headers: member('cap-1'),
      body: { items: [{ productId, quantity: 2 }] },
    });
    const orderId = order.body.id as string;
    await http(api, 'POST', `/orders/${orderId}/payment`, { body: { result: 'failed', reason: 'declined' } });

    const productRecords = await waitForRecords(productId, 3);
    const orderRecords = await waitForRecords(orderId, 2);
    expect(productRecords.map((r) => [r.topic, r.headers.eventType])).toEqual([
      ['catalog-events', 'PRODUCT_LIKED'],
      ['catalog-events', 'STOCK_DECREASED'],
      ['catalog-events', 'STOCK_INCREASED'],
    ]);
    expect(orderRecords.map((r) => [r.topic, r.headers.eventType])).toEqual([
      ['order-events', 'ORDER_CREATED'],
      ['order-events', 'PAYMENT_FAILED'],
    ]);

    // Each record is its outbox row: same id, same bytes, decoding to the same fields.
    const rows = [...(await outboxOf(api, productId)), ...(await outboxOf(api, orderId))];
    for (const record of [...productRecords, ...orderRecords]) {
      const row = rows.find((r) => r.id === record.headers.id);
      expect(row).toBeDefined();
      expect(Buffer.compare(record.value, Buffer.from(row?.payload ?? []))).toBe(0);
      const { event } = await api.codec.decode(record.value);
      expect(event).toEqual(row?.event);
      expect(event.eventId).toBe(record.headers.id);
      expect(event.aggregateId).toBe(record.key);
    }
  });

  it('delivers the events of one product in commit order', async () => {
    const productId = await createProduct(api);
    const steps = ['POST', 'DELETE', 'POST', 'DELETE', 'POST'] as const;
    for (const method of steps) await http(api, method, `/products/${productId}/likes`, { headers: member('cap-2') });
    await http(api, 'POST', `/products/${productId}/views`);
    const records = await waitForRecords(productId, 6);
    expect(new Set(records.map((r) => r.partition)).size).toBe(1);
    expect(records.map((r) => r.headers.eventType)).toEqual([
      'PRODUCT_LIKED',
      'PRODUCT_UNLIKED',
      'PRODUCT_LIKED',
      'PRODUCT_UNLIKED',
      'PRODUCT_LIKED',
      'PRODUCT_VIEWED',
    ]);
    const outboxIds = (await outboxOf(api, productId)).map((r) => r.id);
    expect(records.map((r) => r.headers.id)).toEqual(outboxIds);
  });

  it('loses nothing while Connect is down: 100 changes made meanwhile all arrive after it restarts', async () => {
    const productId = await createProduct(api, 1000);
    killServer('connect');
    for (let i = 0; i < 100; i += 1) {
      const res = await http(api, 'POST', `/products/${productId}/views`, { headers: member(`down-${i}`) });
      expect(res.status).toBe(201);
    }
    await startServer('connect');
    await applyConnector(stack);
    const expected = (await outboxOf(api, productId)).map((r) => r.id);
    expect(expected).toHaveLength(100);
    const records = await waitForRecords(productId, 100, 120_000);
    const arrived = new Set(records.map((r) => r.headers.id));
    expect(expected.filter((id) => !arrived.has(id))).toEqual([]);
  });
});
