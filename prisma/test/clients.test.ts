import { randomUUID } from 'node:crypto';
import {
  applyMigrations,
  commerce,
  CommerceClient,
  commerceMigrationsDir,
  createCommerceClient,
  createStreamerClient,
  StreamerClient,
  streamerMigrationsDir,
} from '../src';
import { createThrowawayDb, ThrowawayDb, withClient } from './helpers';

describe('generated clients through the pg driver adapter', () => {
  let commerceDb: ThrowawayDb;
  let streamerDb: ThrowawayDb;
  let db: CommerceClient;
  let metricsDb: StreamerClient;

  beforeAll(async () => {
    commerceDb = await createThrowawayDb();
    streamerDb = await createThrowawayDb();
    await applyMigrations({ databaseUrl: commerceDb.url, migrationsDir: commerceMigrationsDir });
    await applyMigrations({ databaseUrl: streamerDb.url, migrationsDir: streamerMigrationsDir });
    db = createCommerceClient(commerceDb.url, { max: 4 });
    metricsDb = createStreamerClient(streamerDb.url);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await metricsDb?.$disconnect();
    await commerceDb?.drop();
    await streamerDb?.drop();
  });

  it('creates a product and reads it back, mapped to the snake_case table', async () => {
    const created: commerce.Product = await db.product.create({ data: { name: 'Lamp', price: 2599, stock: 3 } });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/); // gen_random_uuid() in the database
    expect(created.createdAt).toBeInstanceOf(Date);

    const read = await db.product.findUniqueOrThrow({ where: { id: created.id } });
    expect(read).toEqual(created);

    const raw = await withClient(commerceDb.url, (c) =>
      c.query('SELECT name, price, stock FROM products WHERE id = $1', [created.id]),
    );
    expect(raw.rows).toEqual([{ name: 'Lamp', price: 2599, stock: 3 }]);
  });

  it('writes business rows and an outbox row in one interactive transaction', async () => {
    const eventId = randomUUID();
    const product = await db.$transaction(async (tx: commerce.Prisma.TransactionClient) => {
      const p = await tx.product.create({ data: { name: 'Desk', price: 10000, stock: 1 } });
      await tx.outbox.create({
        data: {
          id: eventId,
          aggregatetype: 'product',
          aggregateid: p.id,
          type: 'PRODUCT_CREATED',
          payload: new Uint8Array([0, 1, 2, 255]),
        },
      });
      return p;
    });
    const row = await db.outbox.findUniqueOrThrow({ where: { id: eventId } });
    expect(row.aggregateid).toBe(product.id);
    expect([...row.payload]).toEqual([0, 1, 2, 255]);
    expect(row.tracingspancontext).toBeNull();
  });

  it('rolls an interactive transaction back when its callback throws', async () => {
    const before = await db.product.count();
    const eventId = randomUUID();
    await expect(
      db.$transaction(async (tx) => {
        await tx.product.create({ data: { name: 'Ghost', price: 1, stock: 1 } });
        await tx.outbox.create({
          data: { id: eventId, aggregatetype: 'product', aggregateid: 'x', type: 'T', payload: new Uint8Array([1]) },
        });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');

    expect(await db.product.count()).toBe(before);
    expect(await db.product.findFirst({ where: { name: 'Ghost' } })).toBeNull();
    expect(await db.outbox.findUnique({ where: { id: eventId } })).toBeNull();
  });

  it('surfaces a CHECK violation as a Prisma error and changes nothing', async () => {
    const p = await db.product.create({ data: { name: 'Last one', price: 500, stock: 1 } });
    await expect(db.product.update({ where: { id: p.id }, data: { stock: { decrement: 2 } } })).rejects.toThrow(
      /products_stock_check/,
    );
    expect((await db.product.findUniqueOrThrow({ where: { id: p.id } })).stock).toBe(1);
  });

  it('the streamer client maps BigInt counters and composite keys', async () => {
    const productId = randomUUID();
    await metricsDb.productMetrics.upsert({
      where: { productId },
      create: { productId, likes: 1n },
      update: { likes: { increment: 1 } },
    });
    await metricsDb.productMetrics.upsert({
      where: { productId },
      create: { productId, likes: 1n },
      update: { likes: { increment: 1 }, version: { increment: 1 } },
    });
    const metrics = await metricsDb.productMetrics.findUniqueOrThrow({ where: { productId } });
    expect(metrics).toMatchObject({ likes: 2n, views: 0n, sales: 0n, version: 1n });

    const eventId = randomUUID();
    await metricsDb.eventHandled.create({ data: { consumerGroup: 'metrics', eventId } });
    await expect(metricsDb.eventHandled.create({ data: { consumerGroup: 'metrics', eventId } })).rejects.toMatchObject({
      code: 'P2002',
    });
  });
});
