import { Type } from '@fastify/type-provider-typebox';
import { errorResponseSchema } from '../errors';

/** Schemas shared by several routes. */
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
export const MemberId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
/** Routes that act for a member require X-Member-Id (400 when missing). */
export const MemberHeaders = Type.Object({ 'x-member-id': MemberId });
export const Money = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'minor currency units' });
export const ErrorResponse = errorResponseSchema;

export const Product = Type.Object({
  id: Uuid,
  name: Type.String(),
  price: Money,
  stock: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const OrderItem = Type.Object({ productId: Uuid, quantity: Type.Integer(), unitPrice: Money });

export const Order = Type.Object({
  id: Uuid,
  memberId: Type.String(),
  status: Type.String(),
  items: Type.Array(OrderItem),
  discount: Money,
  totalAmount: Money,
  couponId: Type.Union([Uuid, Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
