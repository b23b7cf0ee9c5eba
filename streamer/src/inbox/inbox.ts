import type { streamer } from '@outbox/db';

export type StreamerTx = streamer.Prisma.TransactionClient;

/**
 * The inbox check: claims event ids for a consumer group inside the caller's transaction,
 * with one bulk `INSERT ... ON CONFLICT DO NOTHING`. Returns the ids that were new: only
 * those may be applied. Because the claim and the effect commit together, a crash between
 * them is impossible, and a redelivered event finds its row and is skipped.
 */
export async function claimEvents(
  tx: Pick<StreamerTx, '$queryRaw'>,
  group: string,
  eventIds: string[],
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ event_id: string }[]>`
    INSERT INTO event_handled (consumer_group, event_id)
    SELECT ${group}, id FROM unnest(${eventIds}::uuid[]) AS id
    ON CONFLICT DO NOTHING
    RETURNING event_id::text`;
  return new Set(rows.map((r) => r.event_id));
}

/** The ids of these events the group has handled already (read-only; used before side effects outside the database). */
export async function handledAlready(
  db: Pick<StreamerTx, '$queryRaw'>,
  group: string,
  eventIds: string[],
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.$queryRaw<{ event_id: string }[]>`
    SELECT event_id::text FROM event_handled WHERE consumer_group = ${group} AND event_id = ANY(${eventIds}::uuid[])`;
  return new Set(rows.map((r) => r.event_id));
}

/** First occurrence of each event id, in order (a batch can carry the same event twice). */
export function uniqueEvents<T extends { eventId: string }>(events: T[]): T[] {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)));
}
