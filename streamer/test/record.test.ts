import { recordLogFields, toConsumedRecord } from '../src/pipeline/record';

describe('consumed record', () => {
  it('keeps string headers and drops headers whose value is null (a NULL outbox column)', () => {
    const record = toConsumedRecord('catalog-events', 2, {
      key: Buffer.from('p-1'),
      value: Buffer.from([0, 1]),
      timestamp: '0',
      attributes: 0,
      offset: '41',
      headers: { id: Buffer.from('e-1'), eventType: 'PRODUCT_LIKED', traceparent: null as unknown as Buffer },
    });
    expect(record.headers).toEqual({ id: 'e-1', eventType: 'PRODUCT_LIKED' });
    expect(recordLogFields(record)).toEqual({
      eventId: 'e-1',
      eventType: 'PRODUCT_LIKED',
      aggregateId: 'p-1',
      topic: 'catalog-events',
      partition: 2,
      offset: '41',
    });
  });
});
