import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import type { EventCodec } from '@outbox/events';
import type { Client } from 'pg';
import type { BenchContext } from '../context';
import { figure, type Figures } from '../figures';
import { endOffsets, recordTimestamps, waitForAppended } from '../kafka';
import { insertOutboxRows, outboxRowsOf, randomProductIds, viewedEvents } from '../outbox-rows';
import { ratePerSecond, summarize } from '../stats';
import { PollingPublisher } from './polling-publisher';

/** The baseline's own table and topic: the real outbox, its publication and topics stay untouched. */
export const POLLING_TABLE = 'bench_polling_outbox';
export const POLLING_TOPIC = 'bench-polling-events';

export interface PollingDeps {
  commerce: Client;
  /** A second connection for the publisher (its transactions must not mix with the inserts). */
  publisherDb: Client;
  admin: Admin;
  kafka: Kafka;
  codec: EventCodec;
}

async function prepare(deps: PollingDeps): Promise<void> {
  await deps.commerce.query(
    `CREATE TABLE IF NOT EXISTS ${POLLING_TABLE} (LIKE outbox INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
  );
  await deps.commerce.query(`ALTER TABLE ${POLLING_TABLE} ADD COLUMN IF NOT EXISTS processed_at timestamptz`);
  await deps.commerce.query(
    `CREATE INDEX IF NOT EXISTS ${POLLING_TABLE}_unprocessed_idx ON ${POLLING_TABLE} (created_at, id) WHERE processed_at IS NULL`,
  );
  await deps.commerce.query(`TRUNCATE ${POLLING_TABLE}`);
  const existing = await deps.admin.listTopics();
  if (!existing.includes(POLLING_TOPIC)) {
    await deps.admin.createTopics({ topics: [{ topic: POLLING_TOPIC, numPartitions: 3 }], waitForLeaders: true });
  }
}

/**
 * Polling baseline: the same kind of rows, inserted at once into the baseline's table while the
 * publisher runs; throughput and per-row latency (Kafka record timestamp minus commit) as for
 * the capture path.
 */
export async function runPolling(ctx: BenchContext, deps: PollingDeps): Promise<Figures> {
  const { pollingRows, products, log } = ctx.options;
  await prepare(deps);
  const rows = await outboxRowsOf(
    deps.codec,
    viewedEvents(randomProductIds(products), pollingRows, `bench-${ctx.runId}-polling`),
  );
  const producer = deps.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const errors: unknown[] = [];
  const publisher = new PollingPublisher({
    db: deps.publisherDb,
    producer,
    table: POLLING_TABLE,
    topic: POLLING_TOPIC,
    onError: (err) => errors.push(err),
  });
  try {
    const from = await endOffsets(deps.admin, POLLING_TOPIC);
    publisher.start();
    log(`polling: inserting ${rows.length} rows; the publisher takes 100 a second`);
    const startedAt = Date.now();
    await insertOutboxRows(deps.commerce, POLLING_TABLE, rows);
    const committedAt = Date.now();
    const allInKafkaAt = await waitForAppended(deps.admin, from, rows.length, 600_000, 100);
    await publisher.stop();
    if (errors.length > 0) throw new Error(`polling publisher failed: ${String(errors[0])}`);
    const elapsedMs = allInKafkaAt - startedAt;
    log(`polling: ${rows.length} records in Kafka after ${elapsedMs} ms`);
    const timestamps = await recordTimestamps(deps.kafka, from, new Set(rows.map((r) => r.id)), 120_000);
    const latency = summarize(rows.map((r) => (timestamps.get(r.id) ?? Number.NaN) - committedAt));
    const note = `${rows.length} rows (fewer than the capture run: the rate is capped at 100/s) in one INSERT; 1 s / 100-row scheduler`;
    return {
      polling_eps: figure(ratePerSecond(rows.length, elapsedMs), 'events/s', note),
      polling_p50_latency_ms: figure(
        latency.p50,
        'ms',
        `commit to Kafka record timestamp; p95 ${latency.p95}, p99 ${latency.p99} ms; includes the backlog of a bulk insert`,
      ),
    };
  } finally {
    await publisher.stop();
    await producer.disconnect();
  }
}
