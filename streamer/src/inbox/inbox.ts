import { streamer, type StreamerClient } from '@outbox/db';

/** Anything that runs one SQL statement: the client (autocommit) or an open transaction. */
type Queryable = Pick<StreamerClient, '$queryRaw'>;

/**
 * The inbox claim, the one step every handler takes: inserts the events' ids for a consumer
 * group with `ON CONFLICT DO NOTHING` and returns the ids that were new. Only those may be
 * applied. It is a statement fragment, not a function of a client, so a handler must place it
 * inside the statement (or transaction) that writes its effect:
 * - the metrics handler uses it as the first CTE of its upsert: claim and effect are one
 *   statement, so they commit together and a redelivered event finds its row and is skipped;
 * - the cache handler has no database effect to join (Redis cannot share a transaction): it
 *   runs the claim alone, after the invalidation, which is harmless to repeat.
 */
export function claimStatement(group: string, eventIds: string[]): streamer.Prisma.Sql {
  return streamer.Prisma.sql`
    INSERT INTO event_handled (consumer_group, event_id)
    SELECT ${group}, id FROM unnest(${eventIds}::uuid[]) AS id
    ON CONFLICT DO NOTHING
    RETURNING event_id`;
}

/** Runs the claim on its own (one autocommit statement); returns the ids that were new. */
export async function claimEvents(db: Queryable, group: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.$queryRaw<{ event_id: string }[]>`
    WITH claimed AS (${claimStatement(group, eventIds)}) SELECT event_id::text FROM claimed`;
  return new Set(rows.map((r) => r.event_id));
}

/** The ids of these events the group has handled already (read-only; used before side effects outside the database). */
export async function handledAlready(db: Queryable, group: string, eventIds: string[]): Promise<Set<string>> {
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
