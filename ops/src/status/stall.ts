import type { GroupReport, PartitionLag, StalledPartition } from './report';

/**
 * The commit time the streamer writes into each offset commit's metadata, as
 * `{"committedAt": <epoch ms>}`. Anything else (no metadata, offsets set by a tool or an older
 * streamer, text that is not that JSON, a time that is not a positive finite number) gives
 * null: the age of that commit is unknown, and the partition is never called stalled on it.
 */
export function parseCommittedAt(metadata: string | null | undefined): number | null {
  if (!metadata) return null;
  try {
    const parsed: unknown = JSON.parse(metadata);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const at = (parsed as { committedAt?: unknown }).committedAt;
    return typeof at === 'number' && Number.isFinite(at) && at > 0 ? at : null;
  } catch {
    return null;
  }
}

/**
 * A partition that may be stalled: records wait (lag > 0) and its committed offset was committed
 * longer ago than the limit. The commit's age is not the stall's: a partition idle for hours that
 * just received records has an old commit too. So the collector dates such a partition's wait
 * (waitingSince) and reads its offset again after a few seconds (movedOnRecheck).
 */
export function looksStalled(p: PartitionLag, maxStallSeconds: number): boolean {
  return p.lag > 0 && p.committedAgeSeconds !== null && p.committedAgeSeconds > maxStallSeconds;
}

/**
 * How long the partition's records have waited: from waitingSince when the collector could date
 * it, else from the commit (an upper bound: a stall is never hidden because Kafka could not say).
 */
export function waitedSeconds(p: PartitionLag): number {
  return p.waitingSeconds ?? p.committedAgeSeconds ?? 0;
}

/** Stalled: records have waited longer than the limit behind a commit that did not move on the second read. */
function isStalled(p: PartitionLag, maxStallSeconds: number): boolean {
  return looksStalled(p, maxStallSeconds) && waitedSeconds(p) > maxStallSeconds && p.movedOnRecheck !== true;
}

/** The first offset whose record was written at or after a time (Kafka's ListOffsets by timestamp). */
export type OffsetAtTime = (epochMs: number) => Promise<number>;

/**
 * When the records after the committed offset began to wait (epoch ms): when the first of them
 * was written to the topic, or the commit itself if that record was there already (the consumer
 * was busy until then). Kafka answers the inverse question (the first offset written at or after
 * a time), so this searches the time between the commit and `now` to a second: the latest time at
 * which a record at or before the committed offset was written. With timestamps that grow with
 * the offsets (the broker's append time, or one producer's clock) that is the record's own time;
 * otherwise it is later, so the stall is never overstated.
 */
export async function waitingSince(
  offsetAt: OffsetAtTime,
  committed: number,
  committedAt: number,
  now: number,
): Promise<number> {
  let [before, after] = [committedAt, now];
  if ((await offsetAt(before)) > committed) return committedAt;
  while (after - before > 1_000) {
    const middle = Math.floor((before + after) / 2);
    if ((await offsetAt(middle)) <= committed) before = middle;
    else after = middle;
  }
  return before;
}

/**
 * The stalled partitions of the groups that have members. A group with no member applies
 * nothing at all: it has its own reason ("no active member and N records waiting"), so its
 * partitions are not listed again one by one.
 */
export function stalledPartitions(groups: GroupReport[], maxStallSeconds: number): StalledPartition[] {
  return groups
    .filter((g) => g.members > 0)
    .flatMap((g) =>
      g.topics.flatMap((t) =>
        t.partitions
          .filter((p) => isStalled(p, maxStallSeconds))
          .map((p) => ({
            groupId: g.groupId,
            topic: t.topic,
            partition: p.partition,
            offset: p.committed,
            lag: p.lag,
            stalledSeconds: Math.round(waitedSeconds(p)),
          })),
      ),
    );
}
