import { commerce, type CommerceClient } from '@outbox/db';
import { ApiError } from '../errors';

export interface CouponDto {
  id: string;
  code: string;
  discount: number;
}

/** Coupons are created by an operator; using one is part of order creation (OrderService). */
export class CouponService {
  constructor(private readonly db: CommerceClient) {}

  async create(code: string, discount: number): Promise<CouponDto> {
    try {
      const coupon = await this.db.coupon.create({ data: { code, discount } });
      return { id: coupon.id, code: coupon.code, discount: coupon.discount };
    } catch (err) {
      if (err instanceof commerce.Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new ApiError('COUPON_CODE_TAKEN', `coupon code "${code}" exists already`, { code });
      }
      throw err;
    }
  }
}
