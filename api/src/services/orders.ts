import { createHash, randomUUID } from 'node:crypto';
import { commerce, inTransaction, type CommerceClient } from '@outbox/db';
import { newEvent, type CommerceEvent } from '@outbox/events';
import { ApiError } from '../errors';
import type { OutboxWriter, Tx } from '../outbox/outbox-writer';

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

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof commerce.Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** Items sorted by product id: concurrent orders lock rows in one order, so they never deadlock. */
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
      return await inTransaction(this.db, async (tx) => {
        const order = await this.createInTx(tx, memberId, items, couponId);
        if (idempotencyKey) {
          await tx.idempotencyKey.create({
            data: {
              memberId,
              key: idempotencyKey,
              requestHash,
              responseStatus: 201,
              responseBody: order as unknown as commerce.Prisma.InputJsonValue,
            },
          });
        }
        return { statusCode: 201, body: order, replayed: false };
      });
    } catch (err) {
      // A concurrent request with the same key committed first: answer with its response.
      if (idempotencyKey && isUniqueViolation(err)) {
        const stored = await this.storedResponse(memberId, idempotencyKey, requestHash);
        if (stored) return stored;
      }
      if (couponId && isUniqueViolation(err)) {
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

  private async createInTx(
    tx: Tx,
    memberId: string,
    items: OrderItemInput[],
    couponId: string | undefined,
  ): Promise<OrderDto> {
    const orderId = randomUUID();
    const lines: { productId: string; quantity: number; unitPrice: number; remainingStock: number }[] = [];
    for (const item of byProduct(items)) {
      const updated = await tx.$queryRaw<{ stock: number; price: number }[]>`
        UPDATE products SET stock = stock - ${item.quantity}, updated_at = now()
        WHERE id = ${item.productId}::uuid AND stock >= ${item.quantity}
        RETURNING stock, price`;
      const row = updated[0];
      if (!row) {
        const product = await tx.product.findUnique({ where: { id: item.productId }, select: { stock: true } });
        if (!product)
          throw new ApiError('PRODUCT_NOT_FOUND', `product ${item.productId} does not exist`, {
            productId: item.productId,
          });
        throw new ApiError(
          'INSUFFICIENT_STOCK',
          `product ${item.productId} has ${product.stock} in stock, ${item.quantity} requested`,
          {
            productId: item.productId,
            requested: item.quantity,
            available: product.stock,
          },
        );
      }
      lines.push({
        productId: item.productId,
        quantity: item.quantity,
        unitPrice: row.price,
        remainingStock: row.stock,
      });
    }

    let discount = 0;
    if (couponId) {
      const coupon = await tx.coupon.findUnique({
        where: { id: couponId },
        include: { order: { select: { id: true } } },
      });
      if (!coupon) throw new ApiError('COUPON_NOT_FOUND', `coupon ${couponId} does not exist`, { couponId });
      if (coupon.order) throw new ApiError('COUPON_ALREADY_USED', `coupon ${couponId} was already used`, { couponId });
      discount = coupon.discount;
    }
    const subtotal = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
    const appliedDiscount = Math.min(discount, subtotal);
    const totalAmount = subtotal - appliedDiscount;

    const order = await tx.order.create({
      data: {
        id: orderId,
        memberId,
        status: 'CREATED',
        totalAmount,
        discount: appliedDiscount,
        couponId: couponId ?? null,
        items: { create: lines.map(({ productId, quantity, unitPrice }) => ({ productId, quantity, unitPrice })) },
      },
    });

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
    await this.outbox.write(tx, events);

    return {
      id: order.id,
      memberId,
      status: order.status,
      items: orderItems,
      discount: appliedDiscount,
      totalAmount,
      couponId: order.couponId,
      createdAt: order.createdAt.toISOString(),
    };
  }

  /**
   * Moves a CREATED order to PAID or FAILED, once: the conditional UPDATE lets exactly one
   * call win; a second call is a 409 and writes no event. A failed payment restores the stock
   * in the same transaction (STOCK_INCREASED per item).
   */
  settlePayment(orderId: string, result: 'completed' | 'failed', reason: string | undefined): Promise<PaymentDto> {
    return inTransaction(this.db, async (tx) => {
      const status = result === 'completed' ? 'PAID' : 'FAILED';
      const { count } = await tx.order.updateMany({ where: { id: orderId, status: 'CREATED' }, data: { status } });
      const order = await tx.order.findUnique({ where: { id: orderId }, include: { items: true } });
      if (!order) throw new ApiError('ORDER_NOT_FOUND', `order ${orderId} does not exist`, { orderId });
      if (count === 0)
        throw new ApiError('ORDER_ALREADY_SETTLED', `order ${orderId} is already ${order.status}`, {
          orderId,
          status: order.status,
        });

      const payment = await tx.payment.create({
        data: {
          orderId,
          status: result === 'completed' ? 'COMPLETED' : 'FAILED',
          amount: order.totalAmount,
          reason: reason ?? null,
        },
      });
      const events: CommerceEvent[] = [];
      if (result === 'completed') {
        events.push(newEvent('PAYMENT_COMPLETED', orderId, { amount: order.totalAmount }));
      } else {
        const items = byProduct(order.items).map(({ productId, quantity }) => ({ productId, quantity }));
        events.push(newEvent('PAYMENT_FAILED', orderId, { reason: reason ?? 'unspecified', items }));
        for (const item of items) {
          const product = await tx.product.update({
            where: { id: item.productId },
            data: { stock: { increment: item.quantity } },
            select: { stock: true },
          });
          events.push(
            newEvent('STOCK_INCREASED', item.productId, {
              quantity: item.quantity,
              remainingStock: product.stock,
              orderId,
            }),
          );
        }
      }
      await this.outbox.write(tx, events);
      return {
        orderId,
        status,
        payment: { id: payment.id, status: payment.status, amount: payment.amount, reason: payment.reason },
      };
    });
  }
}
