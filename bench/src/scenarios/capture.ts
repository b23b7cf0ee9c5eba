import { AGGREGATE_TOPICS, type EventCodec } from '@outbox/events';
import { loadStackConfig } from '@outbox/config';
import { ConnectClient, loadConnector } from '@outbox/connect';
import { eventually } from '@outbox/e2e';
import type { Admin, Kafka } from 'kafkajs';
import type { Client } from 'pg';
import { waitForCaptureDrained } from '../capture-drain';
import type { BenchContext } from '../context';
import { figure, type Figure, type Figures } from '../figures';
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
  const drainEps = await drainRate(ctx, deps);
  return {
    capture_eps: figure(ratePerSecond(rows.length, elapsedMs), 'events/s', note),
    capture_drain_eps: drainEps,
    capture_p50_latency_ms: figure(
      latency.p50,
      'ms',
      `commit to Kafka record timestamp (Debezium event time); p95 ${latency.p95}, p99 ${latency.p99} ms; includes the backlog of a bulk insert`,
    ),
  };
}

/**
 * Debezium's own rate on a backlog: with the connector paused, the same number of rows is
 * inserted (the slot keeps the WAL); the clock starts at the resume and stops when every record
 * is in Kafka. Unlike capture_eps, the inserts (the bench's Avro encoding and PostgreSQL's
 * writes) are not in the window: this is what the capture path alone sustains.
 */
async function drainRate(ctx: BenchContext, deps: CaptureDeps): Promise<Figure> {
  const { captureRows, captureRowsPerTx, products, log } = ctx.options;
  const connect = new ConnectClient(ctx.endpoints.connectUrl, ctx.endpoints.connectLogin);
  const { name } = loadConnector(loadStackConfig());
  const events = viewedEvents(randomProductIds(products), captureRows, `bench-${ctx.runId}-drain`);
  const rows = await outboxRowsOf(deps.codec, events);
  const topic = AGGREGATE_TOPICS.catalog;
  await connect.pause(name);
  let from;
  try {
    await eventually('the connector paused', async () => {
      const status = await connect.status(name);
      return status?.tasks.every((t) => t.state === 'PAUSED') && status.tasks.length > 0 ? true : undefined;
    });
    from = await endOffsets(deps.admin, topic);
    for (const chunk of chunks(rows, captureRowsPerTx)) await insertOutboxRows(deps.commerce, 'outbox', chunk);
  } finally {
    await connect.resume(name);
  }
  const resumedAt = Date.now();
  const allInKafkaAt = await waitForAppended(deps.admin, from, rows.length, 600_000);
  const elapsedMs = allInKafkaAt - resumedAt;
  log(`capture drain: a backlog of ${rows.length} rows in Kafka ${elapsedMs} ms after the resume`);
  return figure(
    ratePerSecond(rows.length, elapsedMs),
    'events/s',
    `a backlog of ${rows.length} rows inserted while the connector was paused; resume to all records in Kafka ${elapsedMs} ms`,
  );
}
