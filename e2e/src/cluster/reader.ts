import { readBetween, type OffsetSnapshot } from '../records';

/** A record of the cluster proof: where it is, its key and its event id. */
export interface RangeRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  eventId: string | undefined;
}

/** Every record between two snapshots, committed only or with aborted transactions too (readBetween). */
export async function readRange(
  from: OffsetSnapshot,
  to: OffsetSnapshot,
  readUncommitted: boolean,
): Promise<RangeRecord[]> {
  return (await readBetween(from, to, { readUncommitted })).map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: r.key,
    eventId: r.headers.id || undefined,
  }));
}
