import { PRODUCT_METRICS_SCHEMA, RANK_BY, type ProductMetricsView } from '@outbox/events';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MetricsReader } from '../services/metrics-reader';
import { BadRequestResponse, ErrorResponse, IdParams, TryAgainResponse } from './schemas';

/** The streamer's read contract, passed through as it is. */
const ProductMetrics = Type.Unsafe<ProductMetricsView>(PRODUCT_METRICS_SCHEMA);

export const metricsReadRoutes: FastifyPluginAsyncTypebox<{ reader: MetricsReader }> = async (app, { reader }) => {
  app.get(
    '/products/:id/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary: "A product's likes, views and sales, as the streamer has applied them",
        params: IdParams,
        response: {
          200: ProductMetrics,
          400: BadRequestResponse,
          404: ErrorResponse,
          503: {
            ...TryAgainResponse,
            description: `DEPENDENCY_UNAVAILABLE (the streamer does not answer) or ${TryAgainResponse.description}`,
          },
        },
      },
    },
    async (request) => reader.productMetrics(request.params.id),
  );

  app.get(
    '/rankings',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Products ranked by likes, views or sales',
        querystring: Type.Object(
          {
            by: Type.Union(
              RANK_BY.map((by) => Type.Literal(by)),
              { default: 'likes' },
            ),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ by: Type.String(), items: Type.Array(ProductMetrics) }),
          400: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request) => reader.rankings(request.query.by, request.query.limit),
  );
};
