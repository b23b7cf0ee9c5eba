import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PRODUCT_SORTS, type ProductService } from '../services/products';
import { CommonErrors, ErrorResponse, IdParams, MemberId, Money, Product, Stock, Text, Uuid } from './schemas';

export const productRoutes: FastifyPluginAsyncTypebox<{ products: ProductService }> = async (app, { products }) => {
  app.post(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Create a product',
        body: Type.Object(
          {
            name: Text({ minLength: 1, maxLength: 200 }),
            price: Money,
            stock: Stock,
          },
          { additionalProperties: false },
        ),
        response: { 201: Product, ...CommonErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await products.create(request.body)),
  );

  app.get(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'A product (cached in Redis as product:{id}; X-Cache says HIT or MISS)',
        params: IdParams,
        response: { 200: Product, ...CommonErrors, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { product, cached } = await products.get(request.params.id);
      return reply.header('x-cache', cached ? 'HIT' : 'MISS').send(product);
    },
  );

  app.get(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Products in stock, a page at a time (cached as products:{sort}:{page}:{size})',
        querystring: Type.Object(
          {
            page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
            size: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
            sort: Type.Union(
              PRODUCT_SORTS.map((s) => Type.Literal(s)),
              { default: 'newest' },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Product),
            page: Type.Integer(),
            size: Type.Integer(),
            sort: Type.String(),
          }),
          ...CommonErrors,
        },
      },
    },
    async (request, reply) => {
      const { page, size, sort } = request.query;
      const result = await products.list(page, size, sort);
      return reply.header('x-cache', result.cached ? 'HIT' : 'MISS').send(result.page);
    },
  );

  app.post(
    '/products/:id/views',
    {
      schema: {
        tags: ['products'],
        summary: 'Record a view (X-Member-Id optional) and its PRODUCT_VIEWED event',
        params: IdParams,
        headers: Type.Object({ 'x-member-id': Type.Optional(MemberId) }),
        response: {
          201: Type.Object({ viewId: Uuid, productId: Uuid }),
          ...CommonErrors,
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { viewId } = await products.view(request.params.id, request.headers['x-member-id']);
      return reply.status(201).send({ viewId, productId: request.params.id });
    },
  );
};
