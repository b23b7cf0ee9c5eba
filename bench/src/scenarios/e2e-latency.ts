import { AGGREGATE_TOPICS, type EventCodec } from '@outbox/events';
import { createLoadProduct, eventually, type ServiceProcess } from '@outbox/e2e';
import type { Admin, Kafka } from 'kafkajs';
import type { Client } from 'pg';
import { waitForCaptureDrained } from '../capture-drain';
import { measureCpu, type CpuUsage } from '../cpu-usage';
import type { BenchContext } from '../context';
import { figure, type Figures } from '../figures';
import { runOpenLoad } from '../open-loop';
import { endOffsets, recordTimestamps, startGroupsAtEnd } from '../kafka';
import { startBenchService, stopBenchService } from '../child-processes';
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

/** One point of the latency curve: an offered rate, what was achieved, and the latencies. */
export interface CurvePoint {
  offeredRps: number;
  achievedRps: number;
  events: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  skipped: number;
  /** CPU per process of the stack while the load ran: what saturates at this rate. */
  cpu?: CpuUsage;
}

export interface E2eResult {
  figures: Figures;
  curve: CurvePoint[];
}

/** The offered rates of the curve, ascending, always including the target rate. */
export function curveRates(rates: readonly number[], targetRate: number): number[] {
  return [...new Set([...rates, targetRate])].sort((a, b) => a - b);
}

/**
 * End-to-end latency at fixed offered rates, one after the other in one run (the latency
 * curve, docs/performance.md): POST /products/:id/views through the real api (open loop), Debezium, Kafka
 * and the real streamer (a fresh metrics group starting at the topic end). Each step has its
 * own products and waits until all its events are applied before the next starts, so no
 * backlog carries over. Per event: from the api transaction (outbox.created_at) to the
 * streamer's effect transaction (event_handled.handled_at), both on the one database server's
 * clock. The target rate's step also gives the headline figures and the split at Kafka.
 */
export async function runE2eLatency(ctx: BenchContext, deps: E2eDeps): Promise<E2eResult> {
  const { e2eRatePerS, e2eRatesPerS, e2eDurationS, log } = ctx.options;
  const metricsGroup = `bench-${ctx.runId}-metrics-e2e`;
  const cacheGroup = `bench-${ctx.runId}-cache-e2e`;
  await waitForCaptureDrained(deps.commerce, deps.admin, deps.kafka, deps.codec);
  await startGroupsAtEnd(deps.admin, [metricsGroup, cacheGroup]);

  const services: ServiceProcess[] = [];
  try {
    services.push(
      await startBenchService('streamer', { METRICS_GROUP_ID: metricsGroup, CACHE_GROUP_ID: cacheGroup }, ctx.options),
    );
    const api = await startBenchService('api', {}, ctx.options);
    services.push(api);
    const load = (ratePerS: number, seconds: number, pathOf: (n: number) => string, member: string) =>
      runOpenLoad({
        url: api.url,
        ratePerS,
        durationS: seconds,
        maxInFlight: MAX_IN_FLIGHT,
        method: 'POST',
        pathOf,
        headersOf: (n) => ({ 'x-member-id': `bench-${ctx.runId}-${member}-${n}` }),
      });
    const warmupProduct = await createLoadProduct(api.url, `bench-${ctx.runId}-e2e-warmup`);
    log(`e2e latency: warm-up 3 s at ${e2eRatePerS} views/s`);
    await load(e2eRatePerS, 3, () => `/products/${warmupProduct}/views`, 'e2e-warm');

    const rates = curveRates(e2eRatesPerS, e2eRatePerS);
    const curve: CurvePoint[] = [];
    let figures: Figures = {};
    for (const rate of rates) {
      const catalogStart = await endOffsets(deps.admin, AGGREGATE_TOPICS.catalog);
      log(`e2e latency: ${e2eDurationS} s at ${rate} views/s offered (open loop)`);
      const step = await viewLatencyStep(ctx, deps, api.url, metricsGroup, rate, `e2e-${rate}`);
      const { result, cpu, achieved, created, ids, handled, latency } = step;
      curve.push({
        offeredRps: rate,
        achievedRps: achieved,
        events: ids.length,
        p50Ms: latency.p50,
        p95Ms: latency.p95,
        p99Ms: latency.p99,
        maxMs: latency.max,
        non2xx: result.non2xx,
        errors: result.errors,
        skipped: result.skipped,
        cpu,
      });
      log(`e2e latency at ${rate}/s offered: p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms`);
      log(`  CPU (cores): ${cpu.totalCores} in all; ${cpu.processes.map((p) => `${p.role} ${p.cores}`).join(', ')}`);
      if (rate !== e2eRatePerS) continue;

      // The split at Kafka: the record timestamp is Debezium's event time (the EventRouter sets it).
      const inKafka = await recordTimestamps(deps.kafka, catalogStart, new Set(ids), 120_000);
      const capture = summarize(ids.map((id) => (inKafka.get(id) as number) - (created.get(id) as number)));
      const apply = summarize(ids.map((id) => (handled.get(id) as number) - (inKafka.get(id) as number)));
      const how = `${ids.length} events, api transaction start (outbox.created_at) to streamer effect transaction (event_handled.handled_at), database clock`;
      figures = {
        e2e_offered_rps: figure(
          rate,
          'requests/s',
          `POST /products/:id/views over ${PRODUCTS} products, open loop (a request every ${1000 / rate} ms), ${e2eDurationS} s`,
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
    }
    return { figures, curve };
  } finally {
    for (const service of services.reverse()) await stopBenchService(service);
    await deps.streamerDb.query('DELETE FROM event_handled WHERE consumer_group = $1', [metricsGroup]);
    await deps.admin.deleteGroups([metricsGroup, cacheGroup]).catch(() => undefined);
  }
}

/** One step of open-loop views at `rate`, on products of its own, and their end-to-end latency. */
export async function viewLatencyStep(
  ctx: BenchContext,
  deps: E2eDeps,
  apiUrl: string,
  metricsGroup: string,
  rate: number,
  label: string,
) {
  const { e2eDurationS, log } = ctx.options;
  const productIds: string[] = [];
  for (let i = 0; i < PRODUCTS; i++)
    productIds.push(await createLoadProduct(apiUrl, `bench-${ctx.runId}-${label}-${i}`));
  const { result, cpu } = await measureCpu(() =>
    runOpenLoad({
      url: apiUrl,
      ratePerS: rate,
      durationS: e2eDurationS,
      maxInFlight: MAX_IN_FLIGHT,
      method: 'POST',
      pathOf: (n) => `/products/${productIds[n % PRODUCTS]}/views`,
      headersOf: (n) => ({ 'x-member-id': `bench-${ctx.runId}-${label}-${n}` }),
    }),
  );
  const achieved = result.ok / result.elapsedS;
  log(
    `${label}: ${result.ok} views committed (${achieved.toFixed(0)}/s), ${result.non2xx} non-2xx, ${result.errors} errors, ${result.skipped} skipped`,
  );
  const created = await outboxTimes(deps.commerce, productIds);
  const ids = [...created.keys()];
  if (ids.length === 0) throw new Error(`${label}: no view committed at ${rate}/s`);
  const handled = await waitForHandled(deps.streamerDb, metricsGroup, ids);
  const latency = summarize(ids.map((id) => (handled.get(id) as number) - (created.get(id) as number)));
  return { result, cpu, achieved, created, ids, handled, latency };
}

/** Waits (at most 5 minutes) until the group applied every one of the events. */
async function waitForHandled(streamerDb: Client, group: string, ids: string[]): Promise<Map<string, number>> {
  return eventually(
    `the ${group} group to apply ${ids.length} events`,
    async () => {
      const handled = await handledTimes(streamerDb, group, ids);
      return handled.size === ids.length ? handled : undefined;
    },
    300_000,
  );
}
