import { setTimeout as sleep } from 'node:timers/promises';
import { databaseFailureOf, type CommerceClient } from '@outbox/db';
import { newEvent, type CommerceEvent } from '@outbox/events';
import { apiTransaction } from '../db/client';
import { insertOutboxRows, type OutboxRow, type OutboxWriter } from '../outbox/outbox-writer';

export type SnapshotMode = 'VERIFY' | 'REPAIR';

/** Attempts of a snapshot transaction that a deadlock or a serialization failure rolled back. */
const MAX_ATTEMPTS = 5;

/** A product's counters as the commerce tables hold them. */
export interface ProductCounters {
  productId: string;
  likes: number;
  views: number;
  sales: number;
}

/**
 * Writes one PRODUCT_METRICS_SNAPSHOT per product, each exactly what the commerce tables hold
 * at its point of the product's order (docs/operations.md#reconcile):
 * 1. the products are locked FOR UPDATE (in id order, as orders lock them). Every write to a
 *    product's counters holds a lock on its row until it commits: a like's or a view's foreign
 *    key (FOR KEY SHARE), an unlike's explicit FOR KEY SHARE, an order's or a failed payment's
 *    stock update. So the lock waits for every such write in flight, and any later one waits
 *    for this transaction;
 * 2. the counts are read by a NEW statement: under READ COMMITTED it sees every write that
 *    committed before the lock was granted, and none can commit until this transaction does;
 * 3. the outbox rows are inserted in the same transaction, so each snapshot enters the product's
 *    order exactly after the writes it counts, and before those it does not.
 * Returns how many snapshots were written (a deleted product has none).
 */
export class ProductSnapshots {
  constructor(
    private readonly db: CommerceClient,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * A lock taken FOR UPDATE among the writers' share locks can meet one in a deadlock, which
   * PostgreSQL ends by rolling one transaction back whole: a snapshot that lost is taken again.
   */
  async write(productIds: string[], mode: SnapshotMode, reconcileId: string): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.writeOnce(productIds, mode, reconcileId);
      } catch (err) {
        const sqlState = databaseFailureOf(err)?.sqlState;
        if (attempt >= MAX_ATTEMPTS || (sqlState !== '40P01' && sqlState !== '40001')) throw err;
        await sleep(10 * attempt + Math.random() * 20);
      }
    }
  }

  private writeOnce(productIds: string[], mode: SnapshotMode, reconcileId: string): Promise<number> {
    if (productIds.length === 0) return Promise.resolve(0);
    return apiTransaction(this.db, async (tx) => {
      await tx.$queryRaw`SELECT id FROM products WHERE id = ANY(${productIds}::uuid[]) ORDER BY id FOR UPDATE`;
      const counters = await countersOf(tx, productIds);
      const events: CommerceEvent[] = counters.map((c) =>
        newEvent('PRODUCT_METRICS_SNAPSHOT', c.productId, {
          likes: c.likes,
          views: c.views,
          sales: c.sales,
          mode,
          reconcileId,
        }),
      );
      return this.outbox.write(events, async (rows: OutboxRow[]) => {
        if (rows.length > 0) await tx.$executeRaw(insertOutboxRows(rows));
        return { result: rows.length, rowsWritten: rows.length };
      });
    });
  }
}

type Queryable = Pick<CommerceClient, '$queryRaw'>;

/**
 * The truth the metrics group projects, from the commerce tables: likes that exist, every view,
 * and the units of every order whose payment did not fail (its STOCK_DECREASED counted, no
 * STOCK_INCREASED took it back).
 */
export async function countersOf(db: Queryable, productIds: string[]): Promise<ProductCounters[]> {
  const rows = await db.$queryRaw<{ id: string; likes: number; views: number; sales: number }[]>`
    SELECT p.id::text,
      (SELECT count(*) FROM product_likes l WHERE l.product_id = p.id)::int8 AS likes,
      (SELECT count(*) FROM product_views v WHERE v.product_id = p.id)::int8 AS views,
      (SELECT coalesce(sum(i.quantity), 0) FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE i.product_id = p.id AND o.status <> 'FAILED')::int8 AS sales
    FROM products p WHERE p.id = ANY(${productIds}::uuid[])
    ORDER BY p.id`;
  return rows.map((r) => ({ productId: r.id, likes: Number(r.likes), views: Number(r.views), sales: Number(r.sales) }));
}
