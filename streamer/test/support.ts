import { applyConnector } from '@outbox/connect';
import { applyMigrations, commerceMigrationsDir, streamerMigrationsDir } from '@outbox/db';
import { endpoints, eventually, metricsDrift, stack, startService, type ServiceProcess } from '@outbox/e2e';

let prepared: Promise<unknown> | undefined;

/** Both databases migrated and the outbox connector RUNNING on the stack under test. */
export function preparePipeline(): Promise<unknown> {
  prepared ??= (async () => {
    await applyMigrations({ databaseUrl: endpoints.postgresUrl('commerce'), migrationsDir: commerceMigrationsDir });
    await applyMigrations({ databaseUrl: endpoints.postgresUrl('streamer'), migrationsDir: streamerMigrationsDir });
    await applyConnector(stack);
  })();
  return prepared;
}

/** The real streamer, as a child process (so tests can SIGKILL it). */
export function startStreamer(
  env: Record<string, string> = {},
  options: { waitReady?: boolean } = {},
): Promise<ServiceProcess> {
  return startService('streamer', { KAFKA_SESSION_TIMEOUT_MS: '6000', ...env }, options);
}

/** Waits until product_metrics equals the ground truth for these products; fails listing the ones that differ. */
export async function expectNoDrift(productIds: string[], timeoutMs = 90_000): Promise<void> {
  let last: Awaited<ReturnType<typeof metricsDrift>> = [];
  await eventually(
    'product_metrics to equal the ground truth',
    async () => {
      last = await metricsDrift(productIds);
      return last.length === 0 ? true : undefined;
    },
    timeoutMs,
  ).catch(() => {
    throw new Error(
      `product_metrics differs from the ground truth for ${last.length} product(s): ${JSON.stringify(last.slice(0, 5))}`,
    );
  });
}
