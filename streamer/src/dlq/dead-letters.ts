import { inTransaction, type streamer, type StreamerClient } from '@outbox/db';
import { fromRaw, type ConsumedRecord, type RawHeader } from '../pipeline/record';

type StreamerTx = streamer.Prisma.TransactionClient;

export type DeadLetterRow = streamer.DeadLetter;

export interface ParkRequest {
  group: string;
  record: ConsumedRecord;
  aggregateId: string | undefined;
  eventId?: string;
  eventType?: string;
  error: string;
  attempts: number;
}

/** Where a queue head sits: the lowest waiting offset of an aggregate on one partition. */
export type QueueHeads = Map<string, bigint>;

/** Lock key of one group's aggregate queue (parking behind it and releasing it serialise on it). */
const queueLock = (group: string, aggregateId: string): string => `dlq:${group}:${aggregateId}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Text for a text column: PostgreSQL refuses NUL in text, so it is shown escaped. */
const storable = (text: string, max = 4000): string => text.replaceAll('\u0000', '\\0').slice(0, max);

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
 * The sequenced dead-letter queue (SPEC 5.5). The `dead_letter` table is the source of truth
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
        ...(filter.aggregate ? { aggregateId: filter.aggregate } : {}),
      },
      orderBy: [{ consumerGroup: 'asc' }, { topic: 'asc' }, { partition: 'asc' }, { offset: 'asc' }],
      take: limit,
    });
  }

  /** For these aggregates, the lowest waiting offset on this partition (absent: no queue). */
  async queueHeads(group: string, topic: string, partition: number, aggregateIds: string[]): Promise<QueueHeads> {
    if (aggregateIds.length === 0) return new Map();
    const rows = await this.db.$queryRaw<{ aggregate_id: string; head: bigint }[]>`
      SELECT aggregate_id, min("offset") AS head FROM dead_letter
      WHERE consumer_group = ${group} AND status = 'new' AND topic = ${topic} AND "partition" = ${partition}
        AND aggregate_id = ANY(${aggregateIds}::text[])
      GROUP BY aggregate_id`;
    return new Map(rows.map((r) => [r.aggregate_id, BigInt(r.head)]));
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
   * Parks a record behind its aggregate's queue, if that queue still has a waiting record with
   * a lower offset on the same partition. Returns false when the queue was released meanwhile:
   * the caller applies the record itself.
   */
  async parkBehind(request: ParkRequest & { aggregateId: string }): Promise<boolean> {
    const { record } = request;
    return inTransaction(this.db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${queueLock(request.group, request.aggregateId)}))`;
      const ahead = await tx.deadLetter.count({
        where: {
          consumerGroup: request.group,
          aggregateId: request.aggregateId,
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

  /** Runs `work` holding the aggregate queue's lock (releasing a queue, see replay.ts). */
  async withQueueLock<T>(group: string, aggregateId: string, work: (tx: StreamerTx) => Promise<T>): Promise<T> {
    return inTransaction(this.db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${queueLock(group, aggregateId)}))`;
      return work(tx);
    });
  }

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
          aggregateId: r.aggregateId === undefined ? null : storable(r.aggregateId),
          eventId: eventId !== undefined && UUID.test(eventId) ? eventId : null,
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
