import { AGGREGATE_TOPICS, type EventCodec } from '@outbox/events';
import type { Admin, Kafka } from 'kafkajs';
import type { Client } from 'pg';
import { waitForCaptureDrained } from '../capture-drain';
import type { BenchContext } from '../context';
import { figure, type Figures } from '../figures';
import { endOffsets, recordTimestamps, waitForAppended } from '../kafka';
import { chunks, insertOutboxRows, outboxRowsOf, randomProductIds, viewedEvents } from '../outbox-rows';
import { ratePerSecond, summarize } from '../stats';

export interface CaptureDeps {
  commerce: Client;
  admin: Admin;
  kafka: Kafka;
  codec: EventCodec;
}

/**
 * Capture path: outbox rows inserted in bulk straight into the commerce database, through the
 * real Debezium connector, until every record is in Kafka. Throughput counts from the first
 * INSERT to the moment the topic's end offsets show all rows; latency per row is the Kafka
 * record timestamp (the Debezium event time the EventRouter sets) minus its transaction's commit.
 */
export async function runCapture(ctx: BenchContext, deps: CaptureDeps): Promise<Figures> {
  const { captureRows, captureRowsPerTx, products, log } = ctx.options;
  const events = viewedEvents(randomProductIds(products), captureRows, `bench-${ctx.runId}-capture`);
  const rows = await outboxRowsOf(deps.codec, events);
  await waitForCaptureDrained(deps.commerce, deps.admin, deps.kafka, deps.codec);

  const topic = AGGREGATE_TOPICS.catalog;
  const from = await endOffsets(deps.admin, topic);
  log(`capture: inserting ${rows.length} outbox rows, ${captureRowsPerTx} per transaction`);
  const committedAt = new Map<string, number>();
  const startedAt = Date.now();
  for (const chunk of chunks(rows, captureRowsPerTx)) {
    await insertOutboxRows(deps.commerce, 'outbox', chunk);
    const now = Date.now();
    for (const row of chunk) committedAt.set(row.id, now);
  }
  const insertedMs = Date.now() - startedAt;
  const allInKafkaAt = await waitForAppended(deps.admin, from, rows.length, 600_000);
  const elapsedMs = allInKafkaAt - startedAt;
  log(`capture: ${rows.length} records in Kafka after ${elapsedMs} ms (inserts took ${insertedMs} ms)`);

  const timestamps = await recordTimestamps(deps.kafka, from, new Set(committedAt.keys()), 300_000);
  const latencies = [...committedAt].map(([id, commit]) => (timestamps.get(id) ?? Number.NaN) - commit);
  const latency = summarize(latencies);
  const note = `${rows.length} rows in ${Math.ceil(rows.length / captureRowsPerTx)} INSERT transactions; first INSERT to all records in Kafka ${elapsedMs} ms`;
  return {
    capture_eps: figure(ratePerSecond(rows.length, elapsedMs), 'events/s', note),
    capture_p50_latency_ms: figure(
      latency.p50,
      'ms',
      `commit to Kafka record timestamp (Debezium event time); p95 ${latency.p95}, p99 ${latency.p99} ms; includes the backlog of a bulk insert`,
    ),
  };
}
