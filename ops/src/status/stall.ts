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
 * A partition that looks stalled on one read: records wait (lag > 0) and its committed offset
 * was committed longer ago than the limit. One read is not enough: a partition idle for hours
 * that just received records has an old commit and lag until the streamer's next commit, a
 * fraction of a second later. So the collector reads such a partition's offset again after a
 * few seconds, and only an offset that did not move then is stalled (movedOnRecheck false).
 */
export function looksStalled(p: PartitionLag, maxStallSeconds: number): boolean {
  return p.lag > 0 && p.committedAgeSeconds !== null && p.committedAgeSeconds > maxStallSeconds;
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
          .filter((p) => looksStalled(p, maxStallSeconds) && p.movedOnRecheck !== true)
          .map((p) => ({
            groupId: g.groupId,
            topic: t.topic,
            partition: p.partition,
            offset: p.committed,
            lag: p.lag,
            stalledSeconds: Math.round(p.committedAgeSeconds ?? 0),
          })),
      ),
    );
}
