import { inTransaction, type CommerceClient } from '@outbox/db';
import { newEvent } from '@outbox/events';
import type { OutboxWriter } from '../outbox/outbox-writer';
import { requireProduct } from './products';

export interface LikeResult {
  productId: string;
  memberId: string;
  liked: boolean;
  /** False when the call changed nothing (liking twice, unliking what was not liked): no event then. */
  changed: boolean;
}

/**
 * Likes are idempotent per (member, product): the primary key decides, so two concurrent likes
 * by one member write one row and one event, and an unlike of a product not liked writes nothing.
 * The statements are raw SQL (still through Prisma's transaction): the like is the hottest
 * write route, and Prisma's query building costs more CPU than the database work (README, Performance).
 */
export class LikeService {
  constructor(
    private readonly db: CommerceClient,
    private readonly outbox: OutboxWriter,
  ) {}

  like(productId: string, memberId: string): Promise<LikeResult> {
    return inTransaction(this.db, async (tx) => {
      await requireProduct(tx, productId);
      const count = await tx.$executeRaw`
        INSERT INTO product_likes (member_id, product_id) VALUES (${memberId}, ${productId}::uuid) ON CONFLICT DO NOTHING`;
      if (count === 1) await this.outbox.write(tx, [newEvent('PRODUCT_LIKED', productId, { memberId })]);
      return { productId, memberId, liked: true, changed: count === 1 };
    });
  }

  unlike(productId: string, memberId: string): Promise<LikeResult> {
    return inTransaction(this.db, async (tx) => {
      await requireProduct(tx, productId);
      const count = await tx.$executeRaw`
        DELETE FROM product_likes WHERE member_id = ${memberId} AND product_id = ${productId}::uuid`;
      if (count === 1) await this.outbox.write(tx, [newEvent('PRODUCT_UNLIKED', productId, { memberId })]);
      return { productId, memberId, liked: false, changed: count === 1 };
    });
  }
}
