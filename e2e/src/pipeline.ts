import { applyConnector } from '@outbox/connect';
import { applyMigrations, commerceMigrationsDir, streamerMigrationsDir } from '@outbox/db';
import { endpoints, stack } from './stack-under-test';

let prepared: Promise<unknown> | undefined;

/** Both databases migrated and the outbox connector RUNNING on the stack under test (once per process). */
export function preparePipeline(): Promise<unknown> {
  prepared ??= (async () => {
    await applyMigrations({ databaseUrl: endpoints.postgresUrl('commerce'), migrationsDir: commerceMigrationsDir });
    await applyMigrations({ databaseUrl: endpoints.postgresUrl('streamer'), migrationsDir: streamerMigrationsDir });
    await applyConnector(stack);
  })();
  return prepared;
}
