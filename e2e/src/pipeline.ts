import { applyConnector } from '@outbox/connect';
import { applyMigrations, commerceMigrationsDir, streamerMigrationsDir } from '@outbox/db';
import { endpointsOf } from '@outbox/config';
import { stack } from './stack-under-test';

let prepared: Promise<unknown> | undefined;

/** Both databases migrated and the outbox connector RUNNING on the stack under test (once per process). */
export function preparePipeline(): Promise<unknown> {
  prepared ??= (async () => {
    // As `npm run migrate` does: the owner's login, not the test kit's superuser.
    const owner = endpointsOf(stack, 'admin');
    await applyMigrations({ databaseUrl: owner.postgresUrl('commerce'), migrationsDir: commerceMigrationsDir });
    await applyMigrations({ databaseUrl: owner.postgresUrl('streamer'), migrationsDir: streamerMigrationsDir });
    await applyConnector(stack);
  })();
  return prepared;
}
