/**
 * @outbox/db: the Prisma schemas, the generated clients and the migration applier for the
 * commerce and streamer databases.
 *
 * The two generated clients are exported as namespaces so their names never collide:
 *   import { commerce, createCommerceClient } from '@outbox/db';
 *   const db = createCommerceClient(url);
 *   const product: commerce.Product = await db.product.create({ data: { name, price, stock } });
 *   async function inTx(tx: commerce.Prisma.TransactionClient) { ... }
 */
export * as commerce from '../generated/commerce/client';
export * as streamer from '../generated/streamer/client';
export { createCommerceClient, createStreamerClient } from './clients';
export type { CommerceClient, PoolOptions, StreamerClient } from './clients';
export {
  applyMigrations,
  DEFAULT_LOCK_TIMEOUT_MS,
  listMigrations,
  migrationChecksum,
  MigrationError,
  PRISMA_MIGRATE_ADVISORY_LOCK,
} from './migrate';
export type { ApplyMigrationsOptions, ApplyMigrationsResult, MigrationFile } from './migrate';
export { commerceMigrationsDir, commerceSchemaPath, streamerMigrationsDir, streamerSchemaPath } from './paths';
export { inTransaction, TRANSACTION_LIMITS } from './transactions';
export { outboxBacklog, replicationSlotState } from './outbox-health';
export type { OutboxBacklog, ReplicationSlotState } from './outbox-health';
export { databaseFailureOf } from './database-errors';
export type { DatabaseFailure } from './database-errors';
export { checkDatabaseLogin } from './login-check';
