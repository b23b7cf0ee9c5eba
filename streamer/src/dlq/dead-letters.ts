import { inTransaction, type streamer, type StreamerClient } from '@outbox/db';
import { isUuid } from '@outbox/events';
import { clip, fromRaw, queueKeyOf, queueOf, type ConsumedRecord, type RawHeader } from '../pipeline/record';

type StreamerTx = streamer.Prisma.TransactionClient;

export type DeadLetterRow = streamer.DeadLetter;

export interface ParkRequest {
  group: string;
  record: ConsumedRecord;
  eventId?: string;
  eventType?: string;
  error: string;
  attempts: number;
}

/** Where a queue head sits: the lowest waiting offset of a queue (see queueOf) on one partition. */
export type QueueHeads = Map<string, bigint>;

/** Lock key of one group's queue (parking behind it and releasing it serialise on it). */
const queueLock = (group: string, queueKey: string): string => `dlq:${group}:${queueKey}`;

/** Text for a text column: PostgreSQL refuses NUL in text, so it is shown escaped. */
export const storable = (text: string, max = 4000): string => text.replaceAll('\u0000', '\\0').slice(0, max);

/** Headers as stored: every name and value as base64 of its bytes, in order (lossless). */
export function encodeHeaders(headers: RawHeader[]): { name: string; value: string | null }[] {
  return headers.map((h) => ({
    name: Buffer.from(h.name, 'utf8').toString('base64'),
    value: h.value === null ? null : h.value.toString('base64'),
  }));
}

export function decodeHeaders(stored: unknown): RawHeader[] {
  if (!Array.isArray(stored)) return [];
  return stored.map((h: { name: string; value: string | null }) => ({
    name: Buffer.from(h.name, 'base64').toString('utf8'),
    value: h.value === null ? null : Buffer.from(h.value, 'base64'),
  }));
}

/** The parked record, byte for byte, as it was consumed. */
export function recordOfRow(row: DeadLetterRow): ConsumedRecord {
  return fromRaw(
    row.topic,
    row.partition,
    row.offset.toString(),
    row.messageKey ? Buffer.from(row.messageKey) : null,
    decodeHeaders(row.headers),
    row.value ? Buffer.from(row.value) : null,
  );
}

/** What an operator lists: a status (or all), optionally one group and one aggregate. */
export interface DeadLetterFilter {
  status: 'new' | 'replayed' | 'discarded' | 'all';
  group?: string;
  aggregate?: string;
}

/**
 * The sequenced dead-letter queue (docs/guarantees.md). The `dead_letter` table is the source of truth
 * (queryable, replayable, lossless); DlqPublisher copies each row to `<topic>.dlq` once.
 * An aggregate's queue is ordered by (topic, partition, offset): while it has a waiting record
 * (status 'new'), the aggregate's records with a HIGHER offset on that partition are parked
 * behind it, so no aggregate ever sees its events out of order.
 */
export class DeadLetters {
  constructor(private readonly db: StreamerClient) {}

  /** Parked records in queue order (group, topic, partition, offset), at most `limit`: `npm run dlq -- list` and the console. */
  list(filter: DeadLetterFilter, limit: number): Promise<DeadLetterRow[]> {
    return this.db.deadLetter.findMany({
      where: {
        ...(filter.status === 'all' ? {} : { status: filter.status }),
        ...(filter.group ? { consumerGroup: filter.group } : {}),
        ...(filter.aggregate ? { queueKey: queueKeyOf(Buffer.from(filter.aggregate, 'utf8')) } : {}),
      },
      orderBy: [{ consumerGroup: 'asc' }, { topic: 'asc' }, { partition: 'asc' }, { offset: 'asc' }],
      take: limit,
    });
  }

  /**
   * Ids of the waiting rows that head their queue: no waiting row of the same group and queue
   * sits before them in (topic, partition, offset). A row without a key is a queue of its own.
   */
  async headIds(): Promise<Set<string>> {
    const rows = await this.db.$queryRaw<{ id: bigint }[]>`
      SELECT d.id FROM dead_letter d
      WHERE d.status = 'new' AND (d.queue_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM dead_letter e
        WHERE e.consumer_group = d.consumer_group AND e.queue_key = d.queue_key AND e.status = 'new'
          AND (e.topic, e."partition", e."offset") < (d.topic, d."partition", d."offset")))`;
    return new Set(rows.map((r) => r.id.toString()));
  }

  /** The waiting record of the row's queue with a lower (topic, partition, offset), if any. */
  async waitingAhead(row: DeadLetterRow): Promise<bigint | undefined> {
    if (row.queueKey === null) return undefined;
    const rows = await this.db.$queryRaw<{ id: bigint }[]>`
      SELECT id FROM dead_letter
      WHERE consumer_group = ${row.consumerGroup} AND queue_key = ${row.queueKey} AND status = 'new'
        AND (topic, "partition", "offset") < (${row.topic}, ${row.partition}, ${row.offset})
      ORDER BY topic, "partition", "offset" LIMIT 1`;
    return rows[0]?.id;
  }

  /** For these queues, the lowest waiting offset on this partition (absent: no queue). */
  async queueHeads(group: string, topic: string, partition: number, queueKeys: string[]): Promise<QueueHeads> {
    if (queueKeys.length === 0) return new Map();
    const rows = await this.db.$queryRaw<{ queue_key: string; head: bigint }[]>`
      SELECT queue_key, min("offset") AS head FROM dead_letter
      WHERE consumer_group = ${group} AND status = 'new' AND topic = ${topic} AND "partition" = ${partition}
        AND queue_key = ANY(${queueKeys}::text[])
      GROUP BY queue_key`;
    return new Map(rows.map((r) => [r.queue_key, BigInt(r.head)]));
  }

  /**
   * Offsets of this partition range that the DLQ holds already, whatever their status: a
   * redelivered record that was parked (and maybe replayed or discarded since) is not handled again.
   */
  async parkedOffsets(group: string, topic: string, partition: number, from: bigint, to: bigint): Promise<Set<string>> {
    const rows = await this.db.$queryRaw<{ offset: string }[]>`
      SELECT "offset"::text AS "offset" FROM dead_letter
      WHERE consumer_group = ${group} AND topic = ${topic} AND "partition" = ${partition}
        AND "offset" BETWEEN ${from} AND ${to}`;
    return new Set(rows.map((r) => r.offset));
  }

  /** Parks a record that cannot be applied (poison). Idempotent per (group, topic, partition, offset). */
  async park(request: ParkRequest): Promise<void> {
    await this.insert(this.db, request);
  }

  /**
   * Parks a record behind its queue, if that queue still has a waiting record with a lower
   * offset on the same partition. Returns false when the queue was released meanwhile (or the
   * record has no key, so no queue): the caller applies the record itself.
   */
  async parkBehind(request: ParkRequest): Promise<boolean> {
    const { record } = request;
    const queueKey = queueOf(record);
    if (queueKey === undefined) return false;
    return inTransaction(this.db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${queueLock(request.group, queueKey)}))`;
      const ahead = await tx.deadLetter.count({
        where: {
          consumerGroup: request.group,
          queueKey,
          status: 'new',
          topic: record.topic,
          partition: record.partition,
          offset: { lt: BigInt(record.offset) },
        },
      });
      if (ahead === 0) return false;
      await this.insert(tx, request);
      return true;
    });
  }

  /** Runs `work` holding the queue's lock (releasing a queue, see replay.ts). */
  async withQueueLock<T>(group: string, queueKey: string, work: (tx: StreamerTx) => Promise<T>): Promise<T> {
    return inTransaction(this.db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${queueLock(group, queueKey)}))`;
      return work(tx);
    });
  }

  /**
   * Nothing here may fail because of the record's content (docs/guarantees.md): bytes go to
   * bytea columns as they are, headers as base64, the queue is a digest, and every text column
   * gets clipped text without NUL.
   */
  private async insert(db: Pick<StreamerClient, 'deadLetter'>, r: ParkRequest): Promise<void> {
    const { record } = r;
    const eventId = r.eventId ?? record.headers.id;
    const eventType = r.eventType ?? record.headers.eventType;
    await db.deadLetter.createMany({
      skipDuplicates: true, // the same offset redelivered after a crash is parked once
      data: [
        {
          consumerGroup: r.group,
          topic: record.topic,
          partition: record.partition,
          offset: BigInt(record.offset),
          messageKey: record.raw.key ? new Uint8Array(record.raw.key) : null,
          queueKey: queueOf(record) ?? null,
          aggregateId: record.key === undefined ? null : storable(clip(record.key, 1000)),
          eventId: eventId !== undefined && isUuid(eventId) ? eventId.toLowerCase() : null,
          eventType: eventType === undefined ? null : storable(eventType, 200),
          headers: encodeHeaders(record.raw.headers),
          value: record.value ? new Uint8Array(record.value) : null,
          error: storable(r.error),
          attempts: r.attempts,
        },
      ],
    });
  }
}
