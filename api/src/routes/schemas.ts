import { Type } from '@fastify/type-provider-typebox';
import type { StringOptions } from '@sinclair/typebox';
import { EVENT_INT_MAX } from '../amounts';
import { errorResponseSchema } from '../errors';
import { CANONICAL_UUID } from '../plugins/validation';

/** Schemas shared by several routes. */
export const Uuid = Type.String({
  format: 'uuid',
  [CANONICAL_UUID]: true,
  description: 'a UUID; accepted in any case, used and answered in lower case',
});
export const IdParams = Type.Object({ id: Uuid });
/** An opaque client string; a UUID among them is one identity in any spelling, so it is taken in lower case. */
const ClientKey = (options: { maxLength: number; description: string }) =>
  Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.:-]+$', [CANONICAL_UUID]: true, ...options });
export const MemberId = ClientKey({
  maxLength: 64,
  description: 'the member; a UUID is taken in lower case, any other id as sent',
});
export const IdempotencyKey = ClientKey({
  maxLength: 128,
  description: 'a retry with the same key (per member) gets the first response; a UUID is taken in lower case',
});
/** Routes that act for a member require X-Member-Id (400 when missing). */
export const MemberHeaders = Type.Object({ 'x-member-id': MemberId });
export const Money = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'minor currency units' });
export const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'units in stock' });
export const Quantity = Type.Integer({ minimum: 1, maximum: 1000, description: 'units of the product' });
/** An order's total and its payment: the sum of its lines, at most what an event carries. */
export const OrderAmount = Type.Integer({
  minimum: 0,
  maximum: EVENT_INT_MAX,
  description: `minor currency units; at most ${EVENT_INT_MAX} (a 32-bit integer in the events)`,
});
export const ErrorResponse = errorResponseSchema;

/**
 * Text the database can store: no NUL (U+0000, which PostgreSQL rejects in text) and no
 * unpaired UTF-16 surrogate (a JSON escape such as "\ud800", which has no UTF-8 encoding).
 * Every free-text field of a request uses `Text`; the error handler turns a mismatch into a
 * clear 400.
 */
export const STORABLE_TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';
export const Text = (options: StringOptions = {}) => Type.String({ ...options, pattern: STORABLE_TEXT_PATTERN });

/** 400: the request is wrong (wrong type: bodies are never coerced; text the database cannot store; ...). */
export const BadRequestResponse = {
  ...errorResponseSchema,
  description:
    'VALIDATION_FAILED: the request does not match the schema (bodies are never type-coerced: "7" is not a number, null is not 0), or holds text the database cannot store (NUL, unpaired surrogates)',
};

/** 503: a transient database limit (lock or statement timeout, pool or connections exhausted, database restarting). */
export const TryAgainResponse = {
  ...errorResponseSchema,
  description:
    'TRY_AGAIN: a transient database limit (lock or statement timeout, conflict, connection pool or connection slots exhausted, database unreachable or restarting); retry after the Retry-After header',
  headers: {
    'retry-after': { type: 'integer', description: 'seconds to wait before retrying' },
  },
};

/** The error responses every database-backed route can give. */
export const CommonErrors = { 400: BadRequestResponse, 503: TryAgainResponse };

export const Product = Type.Object({
  id: Uuid,
  name: Type.String(),
  price: Money,
  stock: Stock,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const OrderItem = Type.Object({ productId: Uuid, quantity: Quantity, unitPrice: Money });

export const Order = Type.Object({
  id: Uuid,
  memberId: Type.String(),
  status: Type.String(),
  items: Type.Array(OrderItem),
  discount: Money,
  totalAmount: OrderAmount,
  couponId: Type.Union([Uuid, Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
