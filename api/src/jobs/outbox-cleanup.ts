import type { CommerceClient } from '@outbox/db';

export interface OutboxCleanupOptions {
  retentionMs: number;
  batchSize: number;
  /** The connector's replication slot. While it does not exist nothing is deleted: rows no
   * one captured yet may still be needed by a connector that is re-created with a snapshot. */
  slotName: string;
  /** Upper bound of batches per run, so one run never holds the job for long. */
  maxBatches?: number;
}

export interface OutboxCleanupResult {
  deleted: number;
  batches: number;
  skipped?: 'no-replication-slot';
}

/**
 * Deletes captured outbox rows older than the retention, in bounded batches of short
 * transactions. FOR UPDATE SKIP LOCKED lets several api instances run it at once: each batch
 * takes rows no other instance holds, and none waits on another's locks.
 */
export async function cleanupOutbox(db: CommerceClient, options: OutboxCleanupOptions): Promise<OutboxCleanupResult> {
  const slot = await db.$queryRaw<
    { exists: boolean }[]
  >`SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${options.slotName}) AS exists`;
  if (!slot[0]?.exists) return { deleted: 0, batches: 0, skipped: 'no-replication-slot' };

  const cutoff = new Date(Date.now() - options.retentionMs);
  const maxBatches = options.maxBatches ?? 100;
  let deleted = 0;
  let batches = 0;
  while (batches < maxBatches) {
    const count = await db.$executeRaw`
      DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox WHERE created_at < ${cutoff}
        ORDER BY created_at LIMIT ${options.batchSize}
        FOR UPDATE SKIP LOCKED)`;
    batches += 1;
    deleted += count;
    if (count < options.batchSize) break;
  }
  return { deleted, batches };
}
