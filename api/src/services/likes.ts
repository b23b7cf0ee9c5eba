import type { CommerceClient } from '@outbox/db';
import { newEvent, type CommerceEvent } from '@outbox/events';
import { LIKE, outboxSlots, UNLIKE, type HotWriteResult, type OutboxSlot } from '../db/hot-writes';
import type { SlottedStatement } from '../db/statement';
import { ApiError } from '../errors';
import type { OutboxRow, OutboxWriter } from '../outbox/outbox-writer';

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
 * Each is ONE statement (db/hot-writes.ts): the product check, the like and its outbox row in a
 * single round trip, atomic as any statement is.
 */
export class LikeService {
  constructor(
    private readonly db: CommerceClient,
    private readonly outbox: OutboxWriter,
  ) {}

  async like(productId: string, memberId: string): Promise<LikeResult> {
    const changed = await this.run(LIKE, newEvent('PRODUCT_LIKED', productId, { memberId }), memberId);
    return { productId, memberId, liked: true, changed };
  }

  async unlike(productId: string, memberId: string): Promise<LikeResult> {
    const changed = await this.run(UNLIKE, newEvent('PRODUCT_UNLIKED', productId, { memberId }), memberId);
    return { productId, memberId, liked: false, changed };
  }

  /** Runs the statement; true when it changed the like (and wrote the event). */
  private async run(
    statement: SlottedStatement<'productId' | 'memberId' | OutboxSlot>,
    event: CommerceEvent,
    memberId: string,
  ): Promise<boolean> {
    const productId = event.aggregateId;
    const result = await this.outbox.write([event], async (rows) => {
      const [r] = await this.db.$queryRaw<HotWriteResult[]>(
        statement.bind({ productId, memberId, ...outboxSlots(rows[0] as OutboxRow) }),
      );
      if (!r) throw new Error(`${statement.name}: the statement returned no row`);
      return { result: r, rowsWritten: r.written };
    });
    if (result.found === 0)
      throw new ApiError('PRODUCT_NOT_FOUND', `product ${productId} does not exist`, { productId });
    return result.written === 1;
  }
}
