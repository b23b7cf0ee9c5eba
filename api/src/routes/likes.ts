import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LikeService } from '../services/likes';
import { CommonErrors, ErrorResponse, IdParams, MemberHeaders, Uuid } from './schemas';

const LikeResult = Type.Object({
  productId: Uuid,
  memberId: Type.String(),
  liked: Type.Boolean(),
  changed: Type.Boolean(),
});

export const likeRoutes: FastifyPluginAsyncTypebox<{ likes: LikeService }> = async (app, { likes }) => {
  app.post(
    '/products/:id/likes',
    {
      schema: {
        tags: ['likes'],
        summary: 'Like a product (idempotent: 201 when new, 200 when already liked)',
        params: IdParams,
        headers: MemberHeaders,
        response: { 200: LikeResult, 201: LikeResult, ...CommonErrors, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const result = await likes.like(request.params.id, request.headers['x-member-id']);
      return reply.status(result.changed ? 201 : 200).send(result);
    },
  );

  app.delete(
    '/products/:id/likes',
    {
      schema: {
        tags: ['likes'],
        summary: 'Unlike a product (idempotent: changed=false when it was not liked)',
        params: IdParams,
        headers: MemberHeaders,
        response: { 200: LikeResult, ...CommonErrors, 404: ErrorResponse },
      },
    },
    async (request) => likes.unlike(request.params.id, request.headers['x-member-id']),
  );
};
