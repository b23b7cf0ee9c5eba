import { inTransaction, type StreamerClient } from '@outbox/db';
import { dlqTopicOf, type EventTopic } from '@outbox/events';
import type { IHeaders, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { decodeHeaders, type DeadLetterRow } from './dead-letters';

/** The original record, byte for byte, plus where it came from and why it was parked. */
function dlqMessage(row: DeadLetterRow) {
  const headers: IHeaders = {};
  for (const { name, value } of decodeHeaders(row.headers)) {
    if (value === null) continue;
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  Object.assign(headers, {
    'dlq.id': row.id.toString(),
    'dlq.group': row.consumerGroup,
    'dlq.topic': row.topic,
    'dlq.partition': String(row.partition),
    'dlq.offset': row.offset.toString(),
    'dlq.attempts': String(row.attempts),
    'dlq.error': row.error.slice(0, 1000),
  });
  return {
    key: row.messageKey ? Buffer.from(row.messageKey) : null,
    value: row.value ? Buffer.from(row.value) : null,
    headers,
  };
}

/**
 * Copies dead letters to `<topic>.dlq`, once each: the row is claimed (FOR UPDATE SKIP LOCKED,
 * so two streamer processes never send the same row), sent with the idempotent producer and
 * marked `published_at` in the same transaction. A failed send leaves the row unpublished for the
 * next round; parking itself never waits for Kafka. The one window that can still repeat a record
 * is a crash after Kafka acknowledged it and before the mark commits: that copy carries the same
 * `dlq.id` header.
 */
export class DlqPublisher {
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: StreamerClient,
    private readonly producer: Producer,
    private readonly log: Logger,
    private readonly batchSize = 100,
  ) {}

  /** Publishes what is waiting; concurrent calls share one round. Never throws (logs instead). */
  publishPending(): Promise<number> {
    this.running ??= this.drain()
      .catch((err: unknown) => {
        this.log.warn({ err }, 'dead letters not yet published to the DLQ topic; will retry');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<number> {
    let published = 0;
    for (;;) {
      const sent = await inTransaction(this.db, async (tx) => {
        const rows = await tx.$queryRaw<{ id: bigint }[]>`
          SELECT id FROM dead_letter WHERE published_at IS NULL ORDER BY id LIMIT ${this.batchSize}
          FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        const full = await tx.deadLetter.findMany({
          where: { id: { in: rows.map((r) => r.id) } },
          orderBy: { id: 'asc' },
        });
        const byTopic = new Map<string, DeadLetterRow[]>();
        for (const row of full) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
        await this.producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic: dlqTopicOf(topic as EventTopic),
            messages: list.map(dlqMessage),
          })),
        });
        await tx.deadLetter.updateMany({
          where: { id: { in: full.map((r) => r.id) } },
          data: { publishedAt: new Date() },
        });
        return full.length;
      });
      published += sent;
      if (sent < this.batchSize) return published;
    }
  }
}
