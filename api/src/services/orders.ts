import { createHash, randomUUID } from 'node:crypto';
import { commerce, databaseFailureOf, type CommerceClient } from '@outbox/db';
import { newEvent, type CommerceEvent } from '@outbox/events';
import { checkedSubtotal, type PricedLine } from '../amounts';
import { ApiError } from '../errors';
import { apiTransaction } from '../db/client';
import { insertOutboxRows, type OutboxRow, type OutboxWriter, type Tx } from '../outbox/outbox-writer';

export interface OrderItemInput {
  productId: string;
  quantity: number;
}

export interface OrderDto {
  id: string;
  memberId: string;
  status: string;
  items: { productId: string; quantity: number; unitPrice: number }[];
  discount: number;
  totalAmount: number;
  couponId: string | null;
  createdAt: string;
}

export interface PaymentDto {
  orderId: string;
  status: string;
  payment: { id: string; status: string; amount: number; reason: string | null };
}

/** The stored answer to an Idempotency-Key: the first response, returned again on a retry. */
export interface OrderResponse {
  statusCode: number;
  body: OrderDto;
  replayed: boolean;
}

/**
 * The unique constraint that refused a row (SQLSTATE 23505 through the pg adapter: its index
 * name), or undefined when the error is something else.
 */
const violatedUniqueIndex = (err: unknown): string | undefined => {
  const failure = databaseFailureOf(err);
  if (failure?.kind === 'UniqueConstraintViolation') return failure.constraintIndex ?? '';
  return failure?.prismaCode === 'P2002' ? '' : undefined;
};

/** Items sorted by product id: the order of their events (the database locks rows in its own id order). */
const byProduct = <T extends { productId: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => a.productId.localeCompare(b.productId));

export class OrderService {
  constructor(
    private readonly db: CommerceClient,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * Creates an order in ONE transaction: every item's stock decreased (never below zero; a
   * conditional UPDATE decides the winner for the last unit), the coupon taken (used once: the
   * unique coupon_id is the last line of defence), the order, its outbox events and, with an
   * Idempotency-Key, the stored response.
   */
  async create(
    memberId: string,
    items: OrderItemInput[],
    couponId: string | undefined,
    idempotencyKey?: string,
  ): Promise<OrderResponse> {
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.productId)) {
        throw new ApiError(
          'VALIDATION_FAILED',
          `body/items has productId ${item.productId} twice; give each product once with its total quantity`,
        );
      }
      seen.add(item.productId);
    }
    const requestHash = createHash('sha256')
      .update(JSON.stringify({ items: byProduct(items), couponId: couponId ?? null }))
      .digest('hex');
    if (idempotencyKey) {
      const stored = await this.storedResponse(memberId, idempotencyKey, requestHash);
      if (stored) return stored;
    }
    try {
      return await apiTransaction(this.db, async (tx) => {
        const idempotency = idempotencyKey ? { key: idempotencyKey, requestHash } : undefined;
        const order = await this.createInTx(tx, memberId, items, couponId, idempotency);
        return { statusCode: 201, body: order, replayed: false };
      });
    } catch (err) {
      // A concurrent request with the same key committed first: answer with its response.
      const index = violatedUniqueIndex(err);
      if (idempotencyKey && index === 'idempotency_keys_pkey') {
        const stored = await this.storedResponse(memberId, idempotencyKey, requestHash);
        if (stored) return stored;
      }
      if (couponId && index === 'orders_coupon_id_key') {
        throw new ApiError('COUPON_ALREADY_USED', `coupon ${couponId} was already used`, { couponId });
      }
      throw err;
    }
  }

  private async storedResponse(memberId: string, key: string, requestHash: string): Promise<OrderResponse | undefined> {
    const stored = await this.db.idempotencyKey.findUnique({ where: { memberId_key: { memberId, key } } });
    if (!stored) return undefined;
    if (stored.requestHash !== requestHash) {
      throw new ApiError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key "${key}" was used for a different request`);
    }
    return { statusCode: stored.responseStatus, body: stored.responseBody as unknown as OrderDto, replayed: true };
  }

  /**
   * Two statements in one transaction (plus BEGIN and COMMIT):
   * 1. every item's stock decreased (rows locked in id order; `stock >= quantity` decides the
   *    winner for the last units) and the coupon read;
   * 2. after the events are encoded: the order, its items, its outbox rows and the stored
   *    Idempotency-Key response, together.
   * Not one statement: the events carry what statement 1 decides (unit prices, remaining
   * stock, the coupon's discount, the total), and they are Avro-encoded in the api, between the two.
   */
  private async createInTx(
    tx: Tx,
    memberId: string,
    items: OrderItemInput[],
    couponId: string | undefined,
    idempotency: { key: string; requestHash: string } | undefined,
  ): Promise<OrderDto> {
    const { sql, empty } = commerce.Prisma;
    const orderId = randomUUID();
    const sorted = byProduct(items);
    const decreased = await tx.$queryRaw<
      {
        product_id: string;
        stock: number;
        price: number;
        coupon_discount: number | null;
        coupon_used: boolean | null;
      }[]
    >`
      WITH wanted AS (
        SELECT * FROM unnest(${sorted.map((i) => i.productId)}::uuid[], ${sorted.map((i) => i.quantity)}::int[])
          AS w(product_id, quantity)
      ), locked AS (
        SELECT p.id FROM products p JOIN wanted w ON w.product_id = p.id ORDER BY p.id FOR NO KEY UPDATE OF p
      ), decreased AS (
        UPDATE products p SET stock = p.stock - w.quantity, updated_at = now()
        FROM wanted w, locked l
        WHERE p.id = w.product_id AND l.id = p.id AND p.stock >= w.quantity
        RETURNING p.id, p.stock, p.price
      ), coupon AS (
        SELECT c.discount, EXISTS (SELECT 1 FROM orders o WHERE o.coupon_id = c.id) AS used
        FROM coupons c WHERE c.id = ${couponId ?? null}::uuid
      )
      SELECT d.id::text AS product_id, d.stock, d.price,
        (SELECT discount FROM coupon) AS coupon_discount, (SELECT used FROM coupon) AS coupon_used
      FROM decreased d`;
    const byId = new Map(decreased.map((row) => [row.product_id, row]));
    const lines: (PricedLine & { productId: string; remainingStock: number })[] = [];
    for (const item of sorted) {
      const row = byId.get(item.productId);
      if (!row) throw await this.notDecreased(tx, item);
      lines.push({
        index: items.indexOf(item),
        productId: item.productId,
        quantity: item.quantity,
        unitPrice: row.price,
        remainingStock: row.stock,
      });
    }

    let discount = 0;
    if (couponId) {
      const first = decreased[0];
      if (first?.coupon_discount === null || first?.coupon_discount === undefined)
        throw new ApiError('COUPON_NOT_FOUND', `coupon ${couponId} does not exist`, { couponId });
      if (first.coupon_used)
        throw new ApiError('COUPON_ALREADY_USED', `coupon ${couponId} was already used`, { couponId });
      discount = first.coupon_discount;
    }
    // Refused before any event is encoded or row inserted; the transaction undoes the stock decrease.
    const subtotal = checkedSubtotal(lines);
    const appliedDiscount = Math.min(discount, subtotal);
    const totalAmount = subtotal - appliedDiscount;

    const orderItems = lines.map(({ productId, quantity, unitPrice }) => ({ productId, quantity, unitPrice }));
    const events: CommerceEvent[] = [newEvent('ORDER_CREATED', orderId, { memberId, items: orderItems, totalAmount })];
    if (couponId) events.push(newEvent('COUPON_USED', orderId, { couponId, memberId, discount: appliedDiscount }));
    for (const line of lines) {
      events.push(
        newEvent('STOCK_DECREASED', line.productId, {
          quantity: line.quantity,
          remainingStock: line.remainingStock,
          orderId,
        }),
      );
    }
    const order: Omit<OrderDto, 'createdAt'> = {
      id: orderId,
      memberId,
      status: 'CREATED',
      items: orderItems,
      discount: appliedDiscount,
      totalAmount,
      couponId: couponId ?? null,
    };

    return this.outbox.write(events, async (rows: OutboxRow[]) => {
      // created_at in milliseconds, so the stored Idempotency-Key response says what the row says.
      const [created] = await tx.$queryRaw<{ created_at: string }[]>`
        WITH new_order AS (
          INSERT INTO orders (id, member_id, status, total_amount, discount, coupon_id, created_at, updated_at)
          VALUES (${orderId}::uuid, ${memberId}, 'CREATED', ${totalAmount}, ${appliedDiscount}, ${couponId ?? null}::uuid,
            date_trunc('milliseconds', now()), now())
          RETURNING id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
        ), order_items AS (
          INSERT INTO order_items (order_id, product_id, quantity, unit_price)
          SELECT n.id, i.product_id, i.quantity, i.unit_price
          FROM new_order n, unnest(${lines.map((l) => l.productId)}::uuid[], ${lines.map((l) => l.quantity)}::int[],
            ${lines.map((l) => l.unitPrice)}::int[]) AS i(product_id, quantity, unit_price)
        ), outbox_rows AS (
          ${insertOutboxRows(rows)}
        )${
          idempotency
            ? sql`, stored_response AS (
          INSERT INTO idempotency_keys (member_id, key, request_hash, response_status, response_body)
          SELECT ${memberId}, ${idempotency.key}, ${idempotency.requestHash}, 201,
            ${JSON.stringify(order)}::jsonb || jsonb_build_object('createdAt', n.created_at)
          FROM new_order n
        )`
            : empty
        }
        SELECT created_at FROM new_order`;
      if (!created) throw new Error('order: the statement returned no row');
      return { result: { ...order, createdAt: created.created_at }, rowsWritten: rows.length };
    });
  }

  /** Why an item's stock was not decreased: the product does not exist, or has too little stock. */
  private async notDecreased(tx: Tx, item: OrderItemInput): Promise<ApiError> {
    const [product] = await tx.$queryRaw<{ stock: number }[]>`
      SELECT stock FROM products WHERE id = ${item.productId}::uuid`;
    if (!product)
      return new ApiError('PRODUCT_NOT_FOUND', `product ${item.productId} does not exist`, {
        productId: item.productId,
      });
    return new ApiError(
      'INSUFFICIENT_STOCK',
      `product ${item.productId} has ${product.stock} in stock, ${item.quantity} requested`,
      { productId: item.productId, requested: item.quantity, available: product.stock },
    );
  }

  /**
   * Moves a CREATED order to PAID or FAILED, once: the conditional UPDATE lets exactly one
   * call win; a second call is a 409 and writes no event. A failed payment restores the stock
   * in the same transaction (STOCK_INCREASED per item).
   */
  settlePayment(orderId: string, result: 'completed' | 'failed', reason: string | undefined): Promise<PaymentDto> {
    const status = result === 'completed' ? 'PAID' : 'FAILED';
    const restock = result === 'failed';
    // Two statements in one transaction, as for orders: the STOCK_INCREASED events carry the
    // stock the first statement leaves, and are encoded before the second writes them.
    return apiTransaction(this.db, async (tx) => {
      const settled = await tx.$queryRaw<
        { total_amount: number; product_id: string | null; quantity: number | null; stock: number | null }[]
      >`
        WITH settled AS (
          UPDATE orders SET status = ${status}, updated_at = now()
          WHERE id = ${orderId}::uuid AND status = 'CREATED'
          RETURNING id, total_amount
        ), items AS (
          SELECT i.product_id, i.quantity FROM order_items i JOIN settled s ON s.id = i.order_id WHERE ${restock}
        ), locked AS (
          SELECT p.id FROM products p JOIN items i ON i.product_id = p.id ORDER BY p.id FOR NO KEY UPDATE OF p
        ), restored AS (
          UPDATE products p SET stock = p.stock + i.quantity, updated_at = now()
          FROM items i, locked l
          WHERE p.id = i.product_id AND l.id = p.id
          RETURNING p.id, i.quantity, p.stock
        )
        SELECT s.total_amount, r.id::text AS product_id, r.quantity, r.stock
        FROM settled s LEFT JOIN restored r ON true`;
      const first = settled[0];
      if (!first) {
        const [order] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM orders WHERE id = ${orderId}::uuid`;
        if (!order) throw new ApiError('ORDER_NOT_FOUND', `order ${orderId} does not exist`, { orderId });
        throw new ApiError('ORDER_ALREADY_SETTLED', `order ${orderId} is already ${order.status}`, {
          orderId,
          status: order.status,
        });
      }

      const amount = first.total_amount;
      const events: CommerceEvent[] = [];
      if (!restock) {
        events.push(newEvent('PAYMENT_COMPLETED', orderId, { amount }));
      } else {
        const restored = byProduct(
          settled.flatMap((r) =>
            r.product_id === null ? [] : [{ productId: r.product_id, quantity: r.quantity ?? 0, stock: r.stock ?? 0 }],
          ),
        );
        const items = restored.map(({ productId, quantity }) => ({ productId, quantity }));
        events.push(newEvent('PAYMENT_FAILED', orderId, { reason: reason ?? 'unspecified', items }));
        for (const item of restored) {
          events.push(
            newEvent('STOCK_INCREASED', item.productId, {
              quantity: item.quantity,
              remainingStock: item.stock,
              orderId,
            }),
          );
        }
      }
      return this.outbox.write(events, async (rows: OutboxRow[]) => {
        const [payment] = await tx.$queryRaw<{ id: string; status: string; amount: number; reason: string | null }[]>`
          WITH payment AS (
            INSERT INTO payments (order_id, status, amount, reason)
            VALUES (${orderId}::uuid, ${restock ? 'FAILED' : 'COMPLETED'}, ${amount}, ${reason ?? null})
            RETURNING id::text AS id, status, amount, reason
          ), outbox_rows AS (
            ${insertOutboxRows(rows)}
          )
          SELECT * FROM payment`;
        if (!payment) throw new Error('payment: the statement returned no row');
        return { result: { orderId, status, payment }, rowsWritten: rows.length };
      });
    });
  }
}
