import type { StreamerClient } from '@outbox/db';

/**
 * Deletes inbox rows older than the retention (longer than the topics' retention, so a
 * redelivery of a purged event cannot happen), in bounded batches of short transactions.
 */
export async function purgeInbox(
  db: StreamerClient,
  retentionMs: number,
  batchSize = 5000,
  maxBatches = 100,
): Promise<number> {
  const cutoff = new Date(Date.now() - retentionMs);
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const count = await db.$executeRaw`
      DELETE FROM event_handled WHERE ctid IN (
        SELECT ctid FROM event_handled WHERE handled_at < ${cutoff} LIMIT ${batchSize})`;
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}
