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

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** JSON over HTTP, as a client would send it. */
export async function http<T = Record<string, unknown>>(
  api: TestApi,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

export const member = (id: string): Record<string, string> => ({ 'x-member-id': id });

export async function createProduct(api: TestApi, stock = 10, price = 1500, name = 'Test product'): Promise<string> {
  const res = await http<{ id: string }>(api, 'POST', '/products', { body: { name, price, stock } });
  if (res.status !== 201) throw new Error(`creating a product failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

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
