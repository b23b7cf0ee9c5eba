import { messageOf } from '@outbox/config';
import { createStreamerClient, type StreamerClient } from '@outbox/db';
import { EventCodec } from '@outbox/events';
import { Redis } from 'ioredis';
import { REDIS_COMMAND_TIMEOUT_MS, type StreamerConfig } from '../config';
import { streamerHandlers } from '../handlers/registry';
import { decodeRecord } from '../pipeline/decode';
import { textOf } from '../pipeline/record';
import { decodeHeaders, DeadLetters, recordOfRow, type DeadLetterFilter, type DeadLetterRow } from './dead-letters';
import { actOnDeadLetter, type ReplayDeps, type ReplayReport } from './replay';

/** A dead letter as an operator reads it: its bytes as text where they are text, else `hex:`. */
export interface DeadLetterView {
  id: string;
  group: string;
  topic: string;
  partition: number;
  offset: string;
  aggregateId: string | null;
  eventId: string | null;
  eventType: string | null;
  key: string | null;
  headers: { name: string; value: string | null }[];
  status: string;
  attempts: number;
  error: string;
  published: boolean;
  createdAt: string;
  /** The first waiting record of its queue: the only one an operator can act on. */
  head: boolean;
  /** The decoded event as JSON, or why it does not decode (then `hex` holds the value bytes). */
  payload: { ok: true; json: string } | { ok: false; error: string; hex: string };
}

/**
 * The operator's side of the dead-letter queue, shared by `npm run dlq` and the console.
 * Listing needs the streamer database (and the registry to show decoded payloads), never
 * Kafka or Redis; releasing a queue applies records through the groups' handlers, so Redis
 * is connected on the first replay or discard.
 */
export class DeadLetterDesk {
  private readonly db: StreamerClient;
  private readonly codec: EventCodec;
  private readonly deadLetters: DeadLetters;
  private redis: Redis | undefined;

  constructor(private readonly config: StreamerConfig) {
    this.db = createStreamerClient(config.databaseUrl, { max: 4, connectionTimeoutMillis: 10_000 });
    this.codec = new EventCodec(config.schemaRegistryUrl);
    this.deadLetters = new DeadLetters(this.db);
  }

  /** Parked records in queue order, at most `limit`, each with its payload decoded when it can be. */
  async list(filter: DeadLetterFilter, limit: number): Promise<DeadLetterView[]> {
    const rows = await this.deadLetters.list(filter, limit);
    const heads = rows.some((r) => r.status === 'new') ? await this.deadLetters.headIds() : new Set<string>();
    return Promise.all(rows.map((r) => this.view(r, heads.has(r.id.toString()))));
  }

  /** Replays or discards a queue head, then releases the records behind it (replay.ts). */
  act(id: bigint, action: 'replay' | 'discard', onWait?: ReplayDeps['onWait']): Promise<ReplayReport> {
    this.redis ??= new Redis(this.config.redisUrl, {
      maxRetriesPerRequest: 1,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    });
    const handlers = streamerHandlers(this.config, this.db, this.redis);
    return actOnDeadLetter(
      { db: this.db, codec: this.codec, deadLetters: this.deadLetters, handlers, onWait },
      id,
      action,
    );
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
    await this.db.$disconnect();
  }

  private async view(r: DeadLetterRow, head: boolean): Promise<DeadLetterView> {
    return {
      id: r.id.toString(),
      group: r.consumerGroup,
      topic: r.topic,
      partition: r.partition,
      offset: r.offset.toString(),
      aggregateId: r.aggregateId,
      eventId: r.eventId,
      eventType: r.eventType,
      key: r.messageKey ? textOf(Buffer.from(r.messageKey)) : null,
      headers: decodeHeaders(r.headers).map((h) => ({
        name: h.name,
        value: h.value === null ? null : textOf(h.value),
      })),
      status: r.status,
      attempts: r.attempts,
      error: r.error,
      published: r.publishedAt !== null,
      createdAt: r.createdAt.toISOString(),
      head,
      payload: await this.payloadOf(r),
    };
  }

  private async payloadOf(r: DeadLetterRow): Promise<DeadLetterView['payload']> {
    const hex = r.value ? Buffer.from(r.value).toString('hex') : '';
    try {
      const decoded = await decodeRecord(this.codec, recordOfRow(r));
      if (!decoded.ok) return { ok: false, error: decoded.error, hex };
      const json = JSON.stringify(decoded.event, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
      return { ok: true, json };
    } catch (err) {
      return { ok: false, error: `not decoded: ${messageOf(err)}`, hex };
    }
  }
}
