import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CouponService } from '../services/coupons';
import { CommonErrors, ErrorResponse, Money, Text, Uuid } from './schemas';

export const couponRoutes: FastifyPluginAsyncTypebox<{ coupons: CouponService }> = async (app, { coupons }) => {
  app.post(
    '/coupons',
    {
      schema: {
        tags: ['coupons'],
        summary: 'Create a coupon (a fixed discount, usable by one order)',
        body: Type.Object(
          { code: Text({ minLength: 1, maxLength: 64 }), discount: Money },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ id: Uuid, code: Type.String(), discount: Money }),
          ...CommonErrors,
          409: ErrorResponse,
        },
      },
    },
    async (request, reply) => reply.status(201).send(await coupons.create(request.body.code, request.body.discount)),
  );
};
