import { setTimeout as sleep } from 'node:timers/promises';
import { AGGREGATE_TOPICS, type EventCodec } from '@outbox/events';
import type { ServiceProcess } from '@outbox/e2e';
import type { Admin, Kafka } from 'kafkajs';
import type { Client } from 'pg';
import { waitForCaptureDrained } from '../capture-drain';
import type { BenchContext } from '../context';
import { figure, type Figures } from '../figures';
import { createProduct } from '../http-load';
import { runOpenLoad } from '../open-loop';
import { endOffsets, recordTimestamps, setGroupOffsets } from '../kafka';
import { startBenchService, stopBenchService } from '../services';
import { summarize } from '../stats';

export interface E2eDeps {
  commerce: Client;
  streamerDb: Client;
  admin: Admin;
  kafka: Kafka;
  codec: EventCodec;
}

const PRODUCTS = 20;
/** Requests in flight at most; a request due beyond that is skipped and shows in the achieved rate. */
const MAX_IN_FLIGHT = 256;

/** Outbox rows of the products: event id and transaction time (ms, database clock). */
async function outboxTimes(commerce: Client, productIds: string[]): Promise<Map<string, number>> {
  const { rows } = await commerce.query<{ id: string; at_ms: number }>(
    `SELECT id, extract(epoch FROM created_at) * 1000 AS at_ms FROM outbox WHERE aggregateid = ANY($1::text[])`,
    [productIds],
  );
  return new Map(rows.map((r) => [r.id, Number(r.at_ms)]));
}

/** When the group's effect transaction for each event ran (ms, database clock). */
async function handledTimes(streamerDb: Client, group: string, ids: string[]): Promise<Map<string, number>> {
  const { rows } = await streamerDb.query<{ event_id: string; at_ms: number }>(
    `SELECT event_id, extract(epoch FROM handled_at) * 1000 AS at_ms
     FROM event_handled WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])`,
    [group, ids],
  );
  return new Map(rows.map((r) => [r.event_id, Number(r.at_ms)]));
}

/**
 * End-to-end latency at a fixed offered rate: POST /products/:id/views through the real api
 * (autocannon's overall rate over enough connections), Debezium, Kafka and the real streamer
 * (a fresh metrics group starting at the topic end). Per event: from the api transaction
 * (outbox.created_at) to the streamer's effect transaction (event_handled.handled_at), both
 * on the one database server's clock.
 */
export async function runE2eLatency(ctx: BenchContext, deps: E2eDeps): Promise<Figures> {
  const { e2eRatePerS, e2eDurationS, log } = ctx.options;
  const metricsGroup = `bench-${ctx.runId}-metrics-e2e`;
  const cacheGroup = `bench-${ctx.runId}-cache-e2e`;
  await waitForCaptureDrained(deps.commerce, deps.admin, deps.kafka, deps.codec);
  const catalogStart = await endOffsets(deps.admin, AGGREGATE_TOPICS.catalog);
  const ends = [catalogStart, await endOffsets(deps.admin, AGGREGATE_TOPICS.order)];
  await setGroupOffsets(deps.admin, metricsGroup, ends);
  await setGroupOffsets(deps.admin, cacheGroup, ends);

  const services: ServiceProcess[] = [];
  try {
    services.push(
      await startBenchService('streamer', { METRICS_GROUP_ID: metricsGroup, CACHE_GROUP_ID: cacheGroup }, ctx.options),
    );
    const api = await startBenchService('api', {}, ctx.options);
    services.push(api);
    const productIds: string[] = [];
    for (let i = 0; i < PRODUCTS; i++) productIds.push(await createProduct(api.url, `bench-${ctx.runId}-e2e-${i}`));
    const warmupProduct = await createProduct(api.url, `bench-${ctx.runId}-e2e-warmup`);
    const load = (seconds: number, pathOf: (n: number) => string) =>
      runOpenLoad({
        url: api.url,
        ratePerS: e2eRatePerS,
        durationS: seconds,
        maxInFlight: MAX_IN_FLIGHT,
        method: 'POST',
        pathOf,
        headersOf: (n) => ({ 'x-member-id': `bench-${ctx.runId}-e2e-${n}` }),
      });
    log(`e2e latency: warm-up 3 s, then ${e2eDurationS} s at ${e2eRatePerS} views/s offered (open loop)`);
    await load(3, () => `/products/${warmupProduct}/views`);
    const result = await load(e2eDurationS, (n) => `/products/${productIds[n % PRODUCTS]}/views`);
    const achieved = result.ok / result.elapsedS;
    log(
      `e2e latency: ${result.ok} views committed (${achieved.toFixed(0)}/s), ${result.non2xx} non-2xx, ${result.errors} errors, ${result.skipped} skipped`,
    );

    const created = await outboxTimes(deps.commerce, productIds);
    const ids = [...created.keys()];
    const deadline = Date.now() + 300_000;
    let handled = await handledTimes(deps.streamerDb, metricsGroup, ids);
    while (handled.size < ids.length) {
      if (Date.now() > deadline) throw new Error(`e2e: only ${handled.size} of ${ids.length} events applied`);
      await sleep(500);
      handled = await handledTimes(deps.streamerDb, metricsGroup, ids);
    }
    const latency = summarize(ids.map((id) => (handled.get(id) as number) - (created.get(id) as number)));
    // The split at Kafka: the record timestamp is Debezium's event time (the EventRouter sets it).
    const inKafka = await recordTimestamps(deps.kafka, catalogStart, new Set(ids), 120_000);
    const capture = summarize(ids.map((id) => (inKafka.get(id) as number) - (created.get(id) as number)));
    const apply = summarize(ids.map((id) => (handled.get(id) as number) - (inKafka.get(id) as number)));
    const how = `${ids.length} events, api transaction start (outbox.created_at) to streamer effect transaction (event_handled.handled_at), database clock`;
    return {
      e2e_offered_rps: figure(
        e2eRatePerS,
        'requests/s',
        `POST /products/:id/views over ${PRODUCTS} products, open loop (a request every ${1000 / e2eRatePerS} ms), ${e2eDurationS} s`,
      ),
      e2e_achieved_rps: figure(
        achieved,
        'requests/s',
        `${result.ok} committed in ${result.elapsedS} s; ${result.non2xx} non-2xx, ${result.errors} errors, ${result.skipped} skipped (over ${MAX_IN_FLIGHT} in flight)`,
      ),
      e2e_latency_p50_ms: figure(latency.p50, 'ms', how),
      e2e_latency_p95_ms: figure(latency.p95, 'ms', how),
      e2e_latency_p99_ms: figure(latency.p99, 'ms', `${how}; max ${latency.max.toFixed(0)} ms`),
      e2e_capture_p50_ms: figure(capture.p50, 'ms', `part of the above: api transaction to Kafka record timestamp`),
      e2e_capture_p99_ms: figure(capture.p99, 'ms', `part of the above: api transaction to Kafka record timestamp`),
      e2e_apply_p50_ms: figure(apply.p50, 'ms', `part of the above: Kafka record timestamp to streamer effect`),
      e2e_apply_p99_ms: figure(apply.p99, 'ms', `part of the above: Kafka record timestamp to streamer effect`),
    };
  } finally {
    for (const service of services.reverse()) await stopBenchService(service);
    await deps.streamerDb.query('DELETE FROM event_handled WHERE consumer_group = $1', [metricsGroup]);
    await deps.admin.deleteGroups([metricsGroup, cacheGroup]).catch(() => undefined);
  }
}
