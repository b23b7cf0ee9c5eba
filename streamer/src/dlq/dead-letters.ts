import { inTransaction, type StreamerClient } from '@outbox/db';
import { dlqTopicOf, type EventTopic } from '@outbox/events';
import type { Producer } from 'kafkajs';
import type { StreamerTx } from '../inbox/inbox';
import type { ConsumedRecord } from '../pipeline/record';

export interface ParkRequest {
  group: string;
  record: ConsumedRecord;
  aggregateId: string | undefined;
  eventId?: string;
  eventType?: string;
  error: string;
  attempts: number;
}

/** Lock key of one group's aggregate queue (parking behind it and releasing it serialise on it). */
const queueLock = (group: string, aggregateId: string): string => `dlq:${group}:${aggregateId}`;

/**
 * The sequenced dead-letter queue (SPEC 5.5): a parked record lives in the `dead_letter`
 * table (queryable, replayable) and in `<topic>.dlq` (original key, value bytes and headers,
 * plus dlq.* headers). While an aggregate has a parked record ('new'), its later records are
 * parked behind it, so no aggregate ever sees its events out of order.
 */
export class DeadLetters {
  constructor(
    private readonly db: StreamerClient,
    private readonly producer: Producer,
  ) {}

  /** Aggregates of this group that have a parked record now. */
  async blockedAggregates(group: string, aggregateIds: string[]): Promise<Set<string>> {
    if (aggregateIds.length === 0) return new Set();
    const rows = await this.db.$queryRaw<{ aggregate_id: string }[]>`
      SELECT DISTINCT aggregate_id FROM dead_letter
      WHERE consumer_group = ${group} AND status = 'new' AND aggregate_id = ANY(${aggregateIds}::text[])`;
    return new Set(rows.map((r) => r.aggregate_id));
  }

  /** Parks a record that cannot be applied (poison, or out of retries). Idempotent per offset. */
  async park(request: ParkRequest): Promise<void> {
    await this.publish(request);
    await this.insert(this.db, request);
  }

  /**
   * Parks a record behind its aggregate's queue, if that queue still has a parked record.
   * Returns false when the queue was released meanwhile: the caller applies the record itself.
   */
  async parkBehind(request: ParkRequest & { aggregateId: string }): Promise<boolean> {
    return inTransaction(this.db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${queueLock(request.group, request.aggregateId)}))`;
      const open = await tx.deadLetter.count({
        where: { consumerGroup: request.group, aggregateId: request.aggregateId, status: 'new' },
      });
      if (open === 0) return false;
      await this.publish(request);
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
    await db.deadLetter.createMany({
      skipDuplicates: true, // the same offset redelivered after a crash is parked once
      data: [
        {
          consumerGroup: r.group,
          topic: r.record.topic,
          partition: r.record.partition,
          offset: BigInt(r.record.offset),
          messageKey: r.record.key ?? null,
          aggregateId: r.aggregateId ?? null,
          eventId: r.eventId ?? r.record.headers.id ?? null,
          eventType: r.eventType ?? r.record.headers.eventType ?? null,
          headers: r.record.headers,
          value: r.record.value ? new Uint8Array(r.record.value) : null,
          error: r.error.slice(0, 4000),
          attempts: r.attempts,
        },
      ],
    });
  }

  /** The original record, byte for byte, plus where it came from and why it was parked. */
  private async publish(r: ParkRequest): Promise<void> {
    await this.producer.send({
      topic: dlqTopicOf(r.record.topic as EventTopic),
      acks: -1,
      messages: [
        {
          key: r.record.key ?? null,
          value: r.record.value,
          headers: {
            ...r.record.headers,
            'dlq.group': r.group,
            'dlq.topic': r.record.topic,
            'dlq.partition': String(r.record.partition),
            'dlq.offset': r.record.offset,
            'dlq.attempts': String(r.attempts),
            'dlq.error': r.error.slice(0, 1000),
          },
        },
      ],
    });
  }
}
