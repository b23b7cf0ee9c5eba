import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CommerceClient } from '@outbox/db';
import type { EventCodec } from '@outbox/events';
import { loggerOptions } from '@outbox/telemetry';
import type { Redis } from 'ioredis';
import { ProductCache } from './cache/product-cache';
import type { ApiConfig } from './config';
import { createOutboxWriter, type OutboxWriter } from './outbox/outbox-writer';
import { registerErrorHandling } from './plugins/errors';
import { createApiMetrics, registerMetrics, registerOutboxGauges, type ApiMetrics } from './plugins/prometheus';
import { registerTracing } from './plugins/tracing';
import { validationOptions } from './plugins/validation';
import { couponRoutes } from './routes/coupons';
import { registerHealth } from './routes/health';
import { likeRoutes } from './routes/likes';
import { metricsReadRoutes } from './routes/metrics-reads';
import { orderRoutes } from './routes/orders';
import { productRoutes } from './routes/products';
import { CouponService } from './services/coupons';
import { LikeService } from './services/likes';
import { MetricsReader } from './services/metrics-reader';
import { OrderService } from './services/orders';
import { ProductService } from './services/products';

export interface AppDeps {
  db: CommerceClient;
  redis: Redis;
  /** Schemas registered; encodes events for the outbox. */
  codec: EventCodec;
  metrics?: ApiMetrics;
  /** Replaces the outbox writer (tests inject failures to prove the transaction boundary). */
  outbox?: OutboxWriter;
}

/** The api as a Fastify application; server.ts listens, tests listen on port 0 and send real HTTP (api/test/support.ts). */
export async function buildApp(config: ApiConfig, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.logLevel),
    bodyLimit: config.bodyLimitBytes,
    // Bodies are validated without type coercion; query strings, params and headers coerce.
    ...validationOptions(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = deps.metrics ?? createApiMetrics();
  const outbox =
    deps.outbox ??
    createOutboxWriter(deps.codec, {
      onWritten: (events) => events.forEach((e) => metrics.outboxEventsWritten.inc({ event_type: e.eventType })),
    });
  const cache = new ProductCache(deps.redis, config.cacheTtlSeconds, app.log);

  registerTracing(app);
  registerErrorHandling(app);
  registerMetrics(app, metrics);
  registerOutboxGauges(metrics, deps.db, config.outboxSlotName);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'commerce api',
        version: '0.1.0',
        description: 'Every state change is written with its outbox event in one transaction.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Probes poll every few seconds: their routes write no access-log line (the level of a
  // registered plugin's routes); every other route keeps its request lines.
  await app.register(async (probes) => registerHealth(probes, deps), { logLevel: 'silent' });
  await app.register(productRoutes, { products: new ProductService(deps.db, outbox, cache) });
  await app.register(likeRoutes, { likes: new LikeService(deps.db, outbox) });
  await app.register(orderRoutes, { orders: new OrderService(deps.db, outbox) });
  await app.register(couponRoutes, { coupons: new CouponService(deps.db) });
  await app.register(metricsReadRoutes, { reader: new MetricsReader(deps.db, config.streamerUrl) });
  return app;
}
