import type { Producer } from 'kafkajs';
import type { Client } from 'pg';

/**
 * The polling publisher of older designs, kept ONLY as the benchmark baseline (docs/decisions.md,
 * docs/performance.md): every `intervalMs` a scheduler selects up to `batchSize` unprocessed rows, produces
 * them to Kafka and marks them processed, in one transaction. Its rate is capped at
 * batchSize per interval (100 events/s by default).
 */
export interface PollingPublisherOptions {
  db: Client;
  producer: Producer;
  /** An outbox-shaped table with a processed_at column (never the real outbox). */
  table: string;
  topic: string;
  batchSize?: number;
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

export class PollingPublisher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  published = 0;

  constructor(private readonly o: PollingPublisherOptions) {}

  /** Starts the scheduler at a fixed rate (a poll that overruns delays the next one). */
  start(): void {
    const intervalMs = this.o.intervalMs ?? 1000;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pollOnce()
        .then((n) => void (this.published += n))
        .catch((err: unknown) => this.o.onError?.(err))
        .finally(() => (this.running = undefined));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One poll: select, produce, mark processed. Returns how many rows it published. */
  async pollOnce(): Promise<number> {
    const { db, table } = this.o;
    await db.query('BEGIN');
    try {
      const { rows } = await db.query<{ id: string; aggregateid: string; type: string; payload: Buffer }>(
        `SELECT id, aggregateid, type, payload FROM ${table}
         WHERE processed_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.o.batchSize ?? 100],
      );
      if (rows.length > 0) {
        await this.o.producer.send({
          topic: this.o.topic,
          acks: -1,
          messages: rows.map((r) => ({
            key: r.aggregateid,
            value: r.payload,
            headers: { id: r.id, eventType: r.type },
          })),
        });
        await db.query(`UPDATE ${table} SET processed_at = now() WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
      }
      await db.query('COMMIT');
      return rows.length;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
