import { messageOf } from '@outbox/config';
import type { FastifyInstance } from 'fastify';
import type { CommerceClient } from '@outbox/db';
import type { Redis } from 'ioredis';

/** Liveness says the process runs; readiness says its dependencies answer. */
export function registerHealth(app: FastifyInstance, deps: { db: CommerceClient; redis: Redis }): void {
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const check = async (probe: () => Promise<unknown>): Promise<string> => {
      try {
        await probe();
        return 'ok';
      } catch (err) {
        return messageOf(err);
      }
    };
    const [database, redis] = await Promise.all([
      check(() => deps.db.$queryRaw`SELECT 1`),
      check(() => deps.redis.ping()),
    ]);
    const ready = database === 'ok' && redis === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: { database, redis } });
  });
}
