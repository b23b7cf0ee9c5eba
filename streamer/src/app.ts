import { PRODUCT_METRICS_SCHEMA, RANK_BY, type ProductMetricsView, type RankBy } from '@outbox/events';
import type { StreamerClient } from '@outbox/db';
import { loggerOptions } from '@outbox/telemetry';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { StreamerMetrics } from './prometheus';
import { reconcileSummary } from './reconcile';
import type { DependencyWait } from './waits';

export interface StreamerAppDeps {
  db: StreamerClient;
  redis: Redis;
  metrics: StreamerMetrics;
  /** The dependencies partitions wait for, with what each answered. */
  waits: { list(): DependencyWait[] };
  /** Group membership of each consumer, for readiness. */
  groups: { groupId: string; isMember(): boolean }[];
  /** The group that applies product snapshots (the metrics group): GET /reconciles/:id reads its checks. */
  reconcileGroup?: string;
  /** The service's logger, so request lines have the shape of every other line; else one at `logLevel`. */
  log?: FastifyBaseLogger;
  logLevel?: string;
}

/**
 * Probes and scrapes (health, readiness, Prometheus, the status command's waits) are polled every
 * few seconds: their requests write no access-log line. Other routes keep theirs.
 */
const UNLOGGED = { logLevel: 'silent' } as const;

interface MetricsRow {
  productId: string;
  likes: bigint;
  views: bigint;
  sales: bigint;
  updatedAt: Date;
}

const toJson = (m: MetricsRow): ProductMetricsView => ({
  productId: m.productId,
  likes: Number(m.likes),
  views: Number(m.views),
  sales: Number(m.sales),
  updatedAt: m.updatedAt.toISOString(),
});

/**
 * The streamer's HTTP side: health, readiness, Prometheus metrics, the dependency waits with what
 * each dependency answered (for `npm run status`), and the product_metrics read API.
 */
export function buildStreamerApp(deps: StreamerAppDeps): FastifyInstance {
  const app = Fastify(deps.log ? { loggerInstance: deps.log } : { logger: loggerOptions(deps.logLevel ?? 'info') });

  app.get('/health', UNLOGGED, async () => ({ status: 'ok' }));

  app.get('/ready', UNLOGGED, async (_request, reply) => {
    const check = async (probe: () => Promise<unknown>) =>
      probe().then(
        () => 'ok',
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
    const checks: Record<string, string> = {
      database: await check(() => deps.db.$queryRaw`SELECT 1`),
      redis: await check(() => deps.redis.ping()),
    };
    for (const g of deps.groups) checks[`kafka group ${g.groupId}`] = g.isMember() ? 'ok' : 'not a member';
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get(
    '/waits',
    {
      ...UNLOGGED,
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              waits: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    group: { type: 'string' },
                    dependency: { type: 'string' },
                    reason: { type: 'string' },
                    partitions: { type: 'integer' },
                    since: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({ waits: deps.waits.list() }),
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number } }>(
    '/reconciles/:id',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 } },
        },
      },
    },
    async (request, reply) => {
      if (!deps.reconcileGroup)
        return reply.status(404).send({
          statusCode: 404,
          code: 'NO_RECONCILE_GROUP',
          error: 'Not Found',
          message: 'this streamer applies no product snapshots',
        });
      return reconcileSummary(deps.db, deps.reconcileGroup, request.params.id.toLowerCase(), request.query.limit);
    },
  );

  app.get('/metrics', UNLOGGED, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );

  app.get<{ Params: { id: string } }>(
    '/product-metrics/:id',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 200: PRODUCT_METRICS_SCHEMA },
      },
    },
    async (request, reply) => {
      const row = await deps.db.productMetrics.findUnique({ where: { productId: request.params.id } });
      if (!row)
        return reply.status(404).send({
          statusCode: 404,
          code: 'NO_METRICS',
          error: 'Not Found',
          message: `no events applied for product ${request.params.id} yet`,
        });
      return toJson(row);
    },
  );

  app.get<{ Querystring: { by: RankBy; limit: number } }>(
    '/rankings',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            by: { type: 'string', enum: [...RANK_BY], default: 'likes' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { by: { type: 'string' }, items: { type: 'array', items: PRODUCT_METRICS_SCHEMA } },
          },
        },
      },
    },
    async (request) => {
      const { by, limit } = request.query;
      const rows = await deps.db.productMetrics.findMany({
        orderBy: [{ [by]: 'desc' }, { productId: 'asc' }],
        take: limit,
      });
      return { by, items: rows.map(toJson) };
    },
  );

  return app;
}
