import { eventually, metricsDrift, startService, type ServiceProcess } from '@outbox/e2e';

export { preparePipeline } from '@outbox/e2e';

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
