import Fastify, { type FastifyInstance } from 'fastify';

/**
 * Builds the api as a Fastify application (no listening here: tests use app.inject()).
 * Placeholder from the foundation issue: liveness and readiness only.
 */
export function buildApp(): FastifyInstance {
  const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async () => ({ status: 'ready' }));
  return app;
}
