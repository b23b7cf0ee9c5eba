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

/** kafkajs marks errors a retry cannot fix (MESSAGE_TOO_LARGE, INVALID_RECORD...) as not retriable. */
const refusedForGood = (err: unknown): boolean =>
  err instanceof Error && err.name.startsWith('KafkaJS') && (err as { retriable?: boolean }).retriable === false;

/**
 * Copies dead letters to `<topic>.dlq`: rows are claimed (FOR UPDATE SKIP LOCKED, so two
 * streamer processes never send the same row), sent with the idempotent producer and marked
 * `published_at` in the claiming transaction, one row per transaction. A row Kafka refuses for good
 * (too large for the topic) gets `publish_error` and is skipped, so it never blocks the rows
 * after it; a Kafka outage ends the round and the rows wait for the next one. Parking itself
 * never waits for Kafka. What can still repeat a copy: Kafka acknowledged it, then the marking
 * transaction failed (a crash, PostgreSQL restarting). That copy carries the same `dlq.id`
 * header, the key to deduplicate on.
 */
export class DlqPublisher {
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: StreamerClient,
    private readonly producer: Producer,
    private readonly log: Logger,
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

  /** One row per transaction: a failure later in the round never undoes an earlier mark. */
  private async drain(): Promise<number> {
    let published = 0;
    for (;;) {
      const outcome = await inTransaction(this.db, async (tx) => {
        const [claimed] = await tx.$queryRaw<{ id: bigint }[]>`
          SELECT id FROM dead_letter WHERE published_at IS NULL AND publish_error IS NULL
          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
        if (!claimed) return 'none';
        const row = await tx.deadLetter.findUniqueOrThrow({ where: { id: claimed.id } });
        try {
          await this.producer.send({
            topic: dlqTopicOf(row.topic as EventTopic),
            acks: -1,
            messages: [dlqMessage(row)],
          });
        } catch (err) {
          if (!refusedForGood(err)) throw err; // Kafka unavailable: the next round retries
          const reason = err instanceof Error ? err.message : String(err);
          this.log.error({ err, id: row.id.toString() }, 'Kafka refused a dead letter for good; kept in the table');
          await tx.deadLetter.update({ where: { id: row.id }, data: { publishError: reason.slice(0, 1000) } });
          return 'refused';
        }
        await tx.deadLetter.update({ where: { id: row.id }, data: { publishedAt: new Date() } });
        return 'sent';
      });
      if (outcome === 'none') return published;
      if (outcome === 'sent') published += 1;
    }
  }
}
