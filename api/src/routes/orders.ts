import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { OrderService } from '../services/orders';
import { CommonErrors, ErrorResponse, IdParams, MemberId, Money, Order, Text, Uuid } from './schemas';

const OrderHeaders = Type.Object({
  'x-member-id': MemberId,
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' })),
});

export const orderRoutes: FastifyPluginAsyncTypebox<{ orders: OrderService }> = async (app, { orders }) => {
  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Create an order (decreases stock atomically; honours Idempotency-Key)',
        headers: OrderHeaders,
        body: Type.Object(
          {
            items: Type.Array(
              Type.Object(
                { productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 1000 }) },
                { additionalProperties: false },
              ),
              {
                minItems: 1,
                maxItems: 50,
              },
            ),
            couponId: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Order,
          ...CommonErrors,
          404: ErrorResponse,
          409: ErrorResponse,
          422: ErrorResponse,
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
              amount: Money,
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
