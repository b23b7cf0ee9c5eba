import { checkDatabaseLogin } from '@outbox/db';
import { EventCodec } from '@outbox/events';
import { exitWithFatal, startTracing } from '@outbox/telemetry';
import Redis from 'ioredis';
import { buildApp } from './app';
import { loadApiConfig } from './config';
import { createApiDatabase } from './db/client';
import { cleanupOutbox } from './jobs/outbox-cleanup';

async function main(): Promise<void> {
  const config = loadApiConfig();
  // A refused login or a missing grant ends the start here, with a message that names it.
  await checkDatabaseLogin(config.databaseUrl);
  const tracing = startTracing({ serviceName: 'commerce-api' });
  // Pool timeout and the server-side lock/statement limits on every connection (db/client.ts).
  const db = createApiDatabase(config);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  // Schemas are registered before the first request (idempotent; BACKWARD per subject).
  const codec = await EventCodec.connect(config.schemaRegistryUrl);
  const app = await buildApp(config, { db, redis, codec });

  const cleanup = async (): Promise<void> => {
    try {
      const result = await cleanupOutbox(db, {
        retentionMs: config.outboxRetentionMs,
        batchSize: config.outboxCleanupBatchSize,
        slotName: config.outboxSlotName,
      });
      app.log.info(result, 'outbox cleanup');
    } catch (err) {
      app.log.error({ err }, 'outbox cleanup failed; next run in the next interval');
    }
  };
  const cleanupTimer = setInterval(() => void cleanup(), config.outboxCleanupIntervalMs);
  cleanupTimer.unref();

  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down: finishing in-flight requests');
      clearInterval(cleanupTimer);
      void app
        .close()
        .then(() => Promise.all([db.$disconnect(), redis.quit(), tracing.shutdown()]))
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
  }
  await app.listen({ port: config.port, host: config.host });
  void cleanup();
}

main().catch((err: unknown) => exitWithFatal('commerce-api', err));
