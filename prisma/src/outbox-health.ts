import type { CommerceClient } from './clients';

/** The replication slot Debezium reads the outbox through, as PostgreSQL sees it. */
export interface ReplicationSlotState {
  slotName: string;
  exists: boolean;
  /** A walsender (the connector) is attached and streaming. */
  active: boolean;
  /** WAL written but not yet confirmed by the connector: what a restart would replay. */
  lagBytes: number | null;
  /** WAL the server must keep for this slot (from restart_lsn): what fills the disk. */
  retainedBytes: number | null;
}

export async function replicationSlotState(db: CommerceClient, slotName: string): Promise<ReplicationSlotState> {
  const rows = await db.$queryRaw<{ active: boolean; lag: bigint | null; retained: bigint | null }[]>`
    SELECT active,
           pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag,
           pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained
    FROM pg_replication_slots WHERE slot_name = ${slotName}`;
  const row = rows[0];
  if (!row) return { slotName, exists: false, active: false, lagBytes: null, retainedBytes: null };
  const toNumber = (v: bigint | null) => (v === null ? null : Math.max(0, Number(v)));
  return {
    slotName,
    exists: true,
    active: row.active,
    lagBytes: toNumber(row.lag),
    retainedBytes: toNumber(row.retained),
  };
}

/** The outbox table: is the cleanup job keeping up? */
export interface OutboxBacklog {
  /** Planner estimate (exact when the table was never analysed): no full scan on a big table. */
  rows: number;
  sizeBytes: number;
  /** Age of the oldest row still in the table, or null when it is empty. */
  oldestAgeSeconds: number | null;
}

export async function outboxBacklog(db: CommerceClient): Promise<OutboxBacklog> {
  const [stats] = await db.$queryRaw<{ estimate: number; size: bigint }[]>`
    SELECT c.reltuples::float8 AS estimate, pg_total_relation_size(c.oid)::bigint AS size
    FROM pg_class c WHERE c.oid = 'outbox'::regclass`;
  // Uses the created_at index: cheap whatever the table size.
  const [oldest] = await db.$queryRaw<{ age: number | null }[]>`
    SELECT extract(epoch FROM now() - min(created_at))::float8 AS age FROM outbox`;
  let rows = stats?.estimate ?? -1;
  if (rows < 0) {
    const [count] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM outbox`;
    rows = Number(count?.n ?? 0);
  }
  return { rows: Math.round(rows), sizeBytes: Number(stats?.size ?? 0), oldestAgeSeconds: oldest?.age ?? null };
}
