import { applyConnector } from '@outbox/connect';
import { stack } from '@outbox/e2e';
import { cleanupOutbox } from '../src/jobs/outbox-cleanup';
import { createProduct, http, member, startTestApi, type TestApi } from './support';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('outbox cleanup job', () => {
  let api: TestApi;
  let slotName: string;
  beforeAll(async () => {
    api = await startTestApi();
    await applyConnector(stack); // the replication slot exists: rows are being captured
    slotName = api.config.outboxSlotName;
  });
  afterAll(() => api.close());

  /** Makes `count` events through the api and returns their outbox ids. */
  async function makeEvents(count: number): Promise<string[]> {
    const productId = await createProduct(api, 10);
    for (let i = 0; i < count; i += 1)
      await http(api, 'POST', `/products/${productId}/views`, { headers: member(`c-${i}`) });
    const rows = await api.db.outbox.findMany({ where: { aggregateid: productId }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  const backdate = (ids: string[], days: number) =>
    api.db.outbox.updateMany({ where: { id: { in: ids } }, data: { createdAt: new Date(Date.now() - days * DAY_MS) } });
  const remaining = async (ids: string[]) => api.db.outbox.count({ where: { id: { in: ids } } });

  it('deletes only rows older than the retention, in bounded batches', async () => {
    const old = await makeEvents(7);
    const fresh = await makeEvents(3);
    await backdate(old, 8);
    const olderThanRetention = await api.db.outbox.count({
      where: { createdAt: { lt: new Date(Date.now() - 7 * DAY_MS) } },
    });

    const result = await cleanupOutbox(api.db, { retentionMs: 7 * DAY_MS, batchSize: 3, slotName });
    expect(result.deleted).toBe(olderThanRetention);
    expect(result.batches).toBe(Math.floor(olderThanRetention / 3) + 1);
    expect(await remaining(old)).toBe(0);
    expect(await remaining(fresh)).toBe(3);
  });

  it('stops after maxBatches and continues on the next run', async () => {
    const old = await makeEvents(5);
    await backdate(old, 30);
    const first = await cleanupOutbox(api.db, { retentionMs: 7 * DAY_MS, batchSize: 2, slotName, maxBatches: 1 });
    expect([first.deleted, first.batches]).toEqual([2, 1]);
    await cleanupOutbox(api.db, { retentionMs: 7 * DAY_MS, batchSize: 2, slotName });
    expect(await remaining(old)).toBe(0);
  });

  it('is safe on several instances at once: every old row deleted once, no errors', async () => {
    const old = await makeEvents(12);
    await backdate(old, 10);
    const runs = await Promise.all(
      [1, 2, 3].map(() => cleanupOutbox(api.db, { retentionMs: 7 * DAY_MS, batchSize: 2, slotName })),
    );
    expect(runs.reduce((sum, r) => sum + r.deleted, 0)).toBe(12);
    expect(await remaining(old)).toBe(0);
  });

  it('deletes nothing while the replication slot does not exist', async () => {
    const old = await makeEvents(2);
    await backdate(old, 10);
    const result = await cleanupOutbox(api.db, { retentionMs: 7 * DAY_MS, batchSize: 10, slotName: 'no_such_slot' });
    expect(result).toEqual({ deleted: 0, batches: 0, skipped: 'no-replication-slot' });
    expect(await remaining(old)).toBe(2);
    await cleanupOutbox(api.db, { retentionMs: 7 * DAY_MS, batchSize: 10, slotName });
  });
});
