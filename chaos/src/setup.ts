import { kafkaClient } from '@outbox/e2e';

/** Another streamer on the default group would add to the same product_metrics rows. */
export async function refuseIfAStreamerRuns(): Promise<void> {
  const group = process.env.METRICS_GROUP_ID ?? 'metrics';
  const admin = kafkaClient('chaos-guard').admin();
  await admin.connect();
  try {
    const [described] = (await admin.describeGroups([group])).groups;
    if ((described?.members.length ?? 0) > 0)
      throw new Error(
        `a streamer is running (group "${group}" has members): stop it first, it would also count this run's events in product_metrics`,
      );
  } finally {
    await admin.disconnect();
  }
}

/** A seeded shuffle (Fisher-Yates), then round robin: every target is hit before any twice. */
export function faultOrder<T>(targets: readonly T[], random: () => number): (i: number) => T {
  const order = [...targets];
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as T, order[i] as T];
  }
  return (i) => order[i % order.length] as T;
}
