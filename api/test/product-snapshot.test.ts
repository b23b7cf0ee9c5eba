import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  collectFromNow,
  createProduct,
  eventually,
  http,
  member,
  preparePipeline,
  queryDb,
  startApi,
  type ServiceProcess,
} from '@outbox/e2e';
import { EventCodec, type CommerceEvent } from '@outbox/events';
import { loadApiConfig } from '../src/config';
import { createApiDatabase } from '../src/db/client';
import { createOutboxWriter } from '../src/outbox/outbox-writer';
import { ProductSnapshots } from '../src/services/snapshots';

/**
 * A product snapshot counts exactly the events before it in the product's order
 * (docs/operations.md#reconcile), also while likes, unlikes, views, orders and failed payments
 * of the same product commit around it: the real api is hammered over HTTP while snapshots are
 * taken, then the product's records are read back from Kafka in order and replayed.
 */
describe('a product snapshot under concurrent writes to the product', () => {
  let api: ServiceProcess;
  const config = loadApiConfig();
  const db = createApiDatabase(config);

  beforeAll(async () => {
    await preparePipeline();
    api = await startApi();
  });
  afterAll(async () => {
    await api.kill('SIGTERM');
    await db.$disconnect();
  });

  it('equals the replay of every event before it, for every snapshot taken', async () => {
    const productId = await createProduct(api, 1_000_000, 100, 'snapshot target');
    const collector = await collectFromNow(['catalog-events']);
    const codec = await EventCodec.connect(config.schemaRegistryUrl);
    const snapshots = new ProductSnapshots(db, createOutboxWriter(codec));
    const reconcileId = randomUUID();

    let stop = false;
    const hammer = async (writer: number): Promise<void> => {
      for (let i = 0; !stop; i += 1) {
        const who = member(`hammer-${writer}-${i % 3}`);
        switch (i % 5) {
          case 0:
            await http(api, 'POST', `/products/${productId}/likes`, { headers: who });
            break;
          case 1:
            await http(api, 'DELETE', `/products/${productId}/likes`, { headers: who });
            break;
          case 2:
            await http(api, 'POST', `/products/${productId}/views`, { headers: who });
            break;
          default: {
            const order = await http<{ id: string }>(api, 'POST', '/orders', {
              headers: who,
              body: { items: [{ productId, quantity: 1 + (i % 3) }] },
            });
            if (i % 2 === 0 && order.status === 201)
              await http(api, 'POST', `/orders/${order.body.id}/payment`, {
                body: { result: 'failed', reason: 'hammered' },
              });
          }
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, w) => hammer(w));
    let taken = 0;
    const snapshotter = (async () => {
      while (!stop) taken += await snapshots.write([productId], 'VERIFY', reconcileId);
    })();
    await sleep(6_000);
    stop = true;
    await Promise.all([...writers, snapshotter]);

    const [{ n: outboxRows } = { n: 0 }] = await queryDb<{ n: number }>(
      'commerce',
      'SELECT count(*)::int AS n FROM outbox WHERE aggregateid = $1',
      [productId],
    );
    const ofProduct = () => collector.records.filter((r) => r.key === productId);
    await eventually('every record of the product in Kafka', async () =>
      ofProduct().length >= outboxRows ? true : undefined,
    );
    await collector.stop();

    const events: CommerceEvent[] = [];
    for (const record of ofProduct()) events.push((await codec.decode(record.value)).event);
    const counts = { likes: 0, views: 0, sales: 0 };
    const found: { snapshot: typeof counts; replayed: typeof counts }[] = [];
    for (const e of events) {
      if (e.eventType === 'PRODUCT_LIKED') counts.likes += 1;
      else if (e.eventType === 'PRODUCT_UNLIKED') counts.likes -= 1;
      else if (e.eventType === 'PRODUCT_VIEWED') counts.views += 1;
      else if (e.eventType === 'STOCK_DECREASED') counts.sales += e.quantity;
      else if (e.eventType === 'STOCK_INCREASED') counts.sales -= e.quantity;
      else if (e.eventType === 'PRODUCT_METRICS_SNAPSHOT')
        found.push({ snapshot: { likes: e.likes, views: e.views, sales: e.sales }, replayed: { ...counts } });
    }
    expect(events).toHaveLength(outboxRows);
    expect(found).toHaveLength(taken);
    expect(taken).toBeGreaterThan(10);
    expect(found.filter((f) => JSON.stringify(f.snapshot) !== JSON.stringify(f.replayed))).toEqual([]);
  });
});
