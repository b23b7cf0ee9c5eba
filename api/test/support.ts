import type { AddressInfo } from 'node:net';
import { applyMigrations, commerceMigrationsDir, type CommerceClient } from '@outbox/db';
import { EventCodec } from '@outbox/events';
import type { FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import { buildApp, type AppDeps } from '../src/app';
import { loadApiConfig, type ApiConfig } from '../src/config';
import { createApiDatabase } from '../src/db/client';

/**
 * A real api on a real port, wired to the test-profile stack (PostgreSQL, Redis, registry).
 * Tests talk to it over HTTP and read effects from the database.
 */
export interface TestApi {
  app: FastifyInstance;
  url: string;
  config: ApiConfig;
  db: CommerceClient;
  redis: Redis;
  codec: EventCodec;
  close(): Promise<void>;
}

let migrated: Promise<unknown> | undefined;

export async function startTestApi(overrides: Partial<AppDeps> = {}): Promise<TestApi> {
  const config = { ...loadApiConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' }) };
  migrated ??= applyMigrations({ databaseUrl: config.databaseUrl, migrationsDir: commerceMigrationsDir });
  await migrated;
  // The api's own client (db/client.ts): the same session limits as in production.
  const db = createApiDatabase(config, { max: 30 });
  const redis = new Redis(config.redisUrl);
  const codec = await EventCodec.connect(config.schemaRegistryUrl);
  const app = await buildApp(config, { db, redis, codec, ...overrides });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    config,
    db,
    redis,
    codec,
    async close() {
      await app.close();
      await db.$disconnect();
      redis.disconnect();
    },
  };
}

// HTTP helpers come from the shared test kit; re-exported for the api's own tests.
export { createProduct, http, member, type HttpResult } from '@outbox/e2e';

/** Outbox rows of one aggregate, in insertion order, with their decoded events. */
export async function outboxOf(api: TestApi, aggregateId: string) {
  const rows = await api.db.$queryRaw<
    { id: string; aggregatetype: string; aggregateid: string; type: string; payload: Uint8Array }[]
  >`
    SELECT id, aggregatetype, aggregateid, type, payload FROM outbox WHERE aggregateid = ${aggregateId} ORDER BY created_at, ctid`;
  return Promise.all(
    rows.map(async (row) => ({ ...row, event: (await api.codec.decode(Buffer.from(row.payload))).event })),
  );
}
