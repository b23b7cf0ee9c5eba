import { messageOf } from '@outbox/config';
import { inTransaction, type streamer, type StreamerClient } from '@outbox/db';
import { dlqTopicOf, type EventTopic } from '@outbox/events';
import { KafkaJSProtocolError, type IHeaders, type Message, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { RawHeader } from '../pipeline/record';
import { decodeHeaders, type DeadLetterRow } from './dead-letters';

type StreamerTx = streamer.Prisma.TransactionClient;

/**
 * Names of the copy's headers. The publisher's own headers are `dlq.<field>`. An original
 * header keeps its name and its value bytes (null included), except that a name which already
 * starts with `dlq.` gets one more `dlq.` in front (`dlq.error` -> `dlq.dlq.error`). So no
 * original can take the name of an own header (its fields never start with `dlq.`), and removing
 * one leading `dlq.` from a `dlq.dlq.` name gives the original name back (a copy of a copy nests).
 */
const OWN_PREFIX = 'dlq.';

const copiedName = (name: string): string => (name.startsWith(OWN_PREFIX) ? `${OWN_PREFIX}${name}` : name);

function ownHeaders(row: DeadLetterRow): RawHeader[] {
  const fields = {
    id: row.id.toString(),
    group: row.consumerGroup,
    topic: row.topic,
    partition: String(row.partition),
    offset: row.offset.toString(),
    attempts: String(row.attempts),
    error: row.error.slice(0, 1000),
  };
  return Object.entries(fields).map(([field, text]) => ({ name: `${OWN_PREFIX}${field}`, value: Buffer.from(text) }));
}

/**
 * Headers as kafkajs takes them: each name once, its values in an array that kafkajs writes in
 * order, a null value as a header without a value (kafkajs as patched in patches/: unpatched, it
 * throws on a null value). A null-prototype object, so that any name is a plain key.
 */
function kafkajsHeaders(headers: RawHeader[]): IHeaders {
  const byName = Object.create(null) as Record<string, (Buffer | null)[]>;
  for (const { name, value } of headers) (byName[name] ??= []).push(value);
  return byName as unknown as IHeaders;
}

/**
 * The original record, byte for byte, plus where it came from and why it was parked. It goes to
 * the original's partition number (a `.dlq` topic has its source's partition count), which is
 * what hashing the key would choose, without hashing it: kafkajs's murmur2 takes minutes on a
 * key of a megabyte.
 */
function dlqMessage(row: DeadLetterRow): Message {
  const originals = decodeHeaders(row.headers).map((h) => ({ name: copiedName(h.name), value: h.value }));
  return {
    partition: row.partition,
    key: row.messageKey ? Buffer.from(row.messageKey) : null,
    value: row.value ? Buffer.from(row.value) : null,
    headers: kafkajsHeaders([...originals, ...ownHeaders(row)]),
  };
}

/** Kafka's answers about the record itself: sending the same copy again can never succeed. */
const RECORD_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

/** The error and the errors it wraps (`cause`; kafkajs wraps exhausted retries that way too). */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e instanceof Error && !chain.includes(e); e = e.cause) chain.push(e);
  return chain;
}

/**
 * Whether Kafka refused the record for good. kafkajs reports exhausted retries of a retriable
 * error (NOT_ENOUGH_REPLICAS, a leader moving, no connection) as a non-retriable error too: only
 * a refusal of the record itself, anywhere in the cause chain, counts; anything else is a moment.
 */
export const refusedForGood = (err: unknown): boolean =>
  causeChain(err).some((e) => e instanceof KafkaJSProtocolError && RECORD_REFUSALS.has(e.type));

type Outcome = { status: 'none' } | { status: 'sent' | 'refused' | 'waiting'; topic: string };

/**
 * Copies dead letters to `<topic>.dlq`: rows are claimed (FOR UPDATE SKIP LOCKED, so two
 * streamer processes never send the same row), sent with the idempotent producer and marked
 * `published_at` in the claiming transaction, one row per transaction. A row Kafka refuses for
 * good (too large for the topic) gets `publish_error` and is skipped, so it never blocks the rows
 * after it. When Kafka cannot take a copy now (an outage, retries exhausted), the row stays
 * waiting and the round goes on with the rows of other topics only; the next round tries again.
 * Parking itself never waits for Kafka. What can still repeat a copy: Kafka acknowledged it, then
 * the marking transaction failed (a crash, PostgreSQL restarting). That copy carries the same
 * `dlq.id` header, the key to deduplicate on. kafkajs sets no request size limit of its own: what
 * bounds a copy is the `.dlq` topic's max.message.bytes, which `connect apply` sets from the source
 * topic's, with room for the headers added here.
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
    const waiting = new Set<string>();
    for (;;) {
      const outcome = await inTransaction(this.db, (tx) => this.publishNext(tx, [...waiting]));
      if (outcome.status === 'none') return published;
      if (outcome.status === 'sent') published += 1;
      if (outcome.status === 'waiting') waiting.add(outcome.topic);
    }
  }

  /** Claims the oldest unpublished row outside the `skipped` topics and copies it. */
  private async publishNext(tx: StreamerTx, skipped: string[]): Promise<Outcome> {
    const [claimed] = await tx.$queryRaw<{ id: bigint }[]>`
      SELECT id FROM dead_letter WHERE published_at IS NULL AND publish_error IS NULL
        AND topic <> ALL(${skipped}::text[])
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
    if (!claimed) return { status: 'none' };
    const row = await tx.deadLetter.findUniqueOrThrow({ where: { id: claimed.id } });
    try {
      await this.producer.send({ topic: dlqTopicOf(row.topic as EventTopic), acks: -1, messages: [dlqMessage(row)] });
    } catch (err) {
      return this.failed(tx, row, err);
    }
    await tx.deadLetter.update({ where: { id: row.id }, data: { publishedAt: new Date() } });
    return { status: 'sent', topic: row.topic };
  }

  private async failed(tx: StreamerTx, row: DeadLetterRow, err: unknown): Promise<Outcome> {
    const id = row.id.toString();
    if (!refusedForGood(err)) {
      this.log.warn({ err, id, topic: row.topic }, 'Kafka cannot take the DLQ copy now; it waits for the next round');
      return { status: 'waiting', topic: row.topic };
    }
    const reason = messageOf(err);
    this.log.error({ err, id }, 'Kafka refused a dead letter for good; kept in the table');
    await tx.deadLetter.update({ where: { id: row.id }, data: { publishError: reason.slice(0, 1000) } });
    return { status: 'refused', topic: row.topic };
  }
}
