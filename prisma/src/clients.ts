import { PrismaPg } from '@prisma/adapter-pg';
import type { PoolConfig } from 'pg';
import { PrismaClient as CommercePrismaClient } from '../generated/commerce/client';
import { PrismaClient as StreamerPrismaClient } from '../generated/streamer/client';

/** The commerce database's client (generated from commerce/schema.prisma). */
export type CommerceClient = CommercePrismaClient;
/** The streamer database's client (generated from streamer/schema.prisma). */
export type StreamerClient = StreamerPrismaClient;

/** node-postgres pool settings (max, idleTimeoutMillis, statement_timeout, ...); the URL is given apart. */
export type PoolOptions = Omit<PoolConfig, 'connectionString'>;

/**
 * Prisma 7 has no query engine binary and no datasource URL in the schema: the client runs
 * its queries through a driver adapter, here node-postgres (`@prisma/adapter-pg`) with its own
 * pool. Call `$disconnect()` to close the pool.
 */
export function createCommerceClient(databaseUrl: string, poolOptions: PoolOptions = {}): CommerceClient {
  return new CommercePrismaClient({ adapter: new PrismaPg({ ...poolOptions, connectionString: databaseUrl }) });
}

export function createStreamerClient(databaseUrl: string, poolOptions: PoolOptions = {}): StreamerClient {
  return new StreamerPrismaClient({ adapter: new PrismaPg({ ...poolOptions, connectionString: databaseUrl }) });
}
