import type { StreamerClient } from '@outbox/db';

/**
 * Deletes inbox rows older than the retention (longer than the topics' retention, so a
 * redelivery of a purged event cannot happen), in bounded batches of short transactions.
 * Rows of events that still wait in the dead-letter queue are kept whatever their age: a
 * dead letter can wait longer than any retention, and its release must still find the row if
 * its effect was applied once already (a replay interrupted before its status was saved).
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
        SELECT e.ctid FROM event_handled e
        WHERE e.handled_at < ${cutoff}
          AND NOT EXISTS (
            SELECT 1 FROM dead_letter d
            WHERE d.consumer_group = e.consumer_group AND d.event_id = e.event_id AND d.status = 'new')
        LIMIT ${batchSize})`;
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}
