import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { OrderService } from '../services/orders';
import { ORDER_AMOUNT_LIMIT } from '../amounts';
import {
  CommonErrors,
  ErrorResponse,
  IdempotencyKey,
  IdParams,
  MemberId,
  Order,
  OrderAmount,
  Quantity,
  Text,
  Uuid,
} from './schemas';

const OrderHeaders = Type.Object({ 'x-member-id': MemberId, 'idempotency-key': Type.Optional(IdempotencyKey) });

/** 422: the request is well formed, but cannot be honoured as it stands. */
const UnprocessableResponse = {
  ...ErrorResponse,
  description: `IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was used for a different request; AMOUNT_OUT_OF_RANGE: ${ORDER_AMOUNT_LIMIT} (nothing is written)`,
};

export const orderRoutes: FastifyPluginAsyncTypebox<{ orders: OrderService }> = async (app, { orders }) => {
  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Create an order (decreases stock atomically; honours Idempotency-Key)',
        description: `Amounts are limited: ${ORDER_AMOUNT_LIMIT}. A larger order is refused with 422 AMOUNT_OUT_OF_RANGE.`,
        headers: OrderHeaders,
        body: Type.Object(
          {
            items: Type.Array(Type.Object({ productId: Uuid, quantity: Quantity }, { additionalProperties: false }), {
              minItems: 1,
              maxItems: 50,
            }),
            couponId: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Order,
          ...CommonErrors,
          404: ErrorResponse,
          409: ErrorResponse,
          422: UnprocessableResponse,
        },
      },
    },
    async (request, reply) => {
      const { items, couponId } = request.body;
      const result = await orders.create(
        request.headers['x-member-id'],
        items,
        couponId,
        request.headers['idempotency-key'],
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.statusCode as 201).send(result.body);
    },
  );

  app.post(
    '/orders/:id/payment',
    {
      schema: {
        tags: ['orders'],
        summary: 'Settle the payment of an order, once (failed restores the stock)',
        params: IdParams,
        body: Type.Object(
          {
            result: Type.Union([Type.Literal('completed'), Type.Literal('failed')]),
            reason: Type.Optional(Text({ minLength: 1, maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            orderId: Uuid,
            status: Type.String(),
            payment: Type.Object({
              id: Uuid,
              status: Type.String(),
              amount: OrderAmount,
              reason: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
          ...CommonErrors,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (request) => orders.settlePayment(request.params.id, request.body.result, request.body.reason),
  );
};
