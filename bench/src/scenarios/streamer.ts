import { setTimeout as sleep } from 'node:timers/promises';
import { AGGREGATE_TOPICS, type EventCodec } from '@outbox/events';
import { produceAsDebezium } from '@outbox/e2e';
import type { Admin, Kafka } from 'kafkajs';
import type { Client } from 'pg';
import type { BenchContext } from '../context';
import { figure, type Figure } from '../figures';
import { endOffsets, setGroupOffsets } from '../kafka';
import { randomProductIds, viewedEvents } from '../outbox-rows';
import { startBenchService, stopBenchService } from '../child-processes';
import { ratePerSecond } from '../stats';

/** No new inbox row for this long (the streamer starts in a few seconds): the run has failed. */
const STALL_MS = 60_000;

export interface StreamerDeps {
  streamerDb: Client;
  admin: Admin;
  kafka: Kafka;
  codec: EventCodec;
}

/**
 * The metrics group of the real streamer (a child process in APPLY_MODE) applying a pre-filled
 * backlog: the topic names are fixed, so the events go to the real catalog-events topic and a
 * fresh metrics group starts at the offsets taken just before they were produced (a fresh
 * cache group starts after them, so it stays idle). The rate counts from the start of the first
 * effect transaction to the moment every inbox row is present (both on the database clock).
 */
export async function runStreamerMode(
  ctx: BenchContext,
  deps: StreamerDeps,
  mode: 'batch' | 'single',
  count: number,
): Promise<Figure> {
  const { log, products } = ctx.options;
  const topic = AGGREGATE_TOPICS.catalog;
  const metricsGroup = `bench-${ctx.runId}-metrics-${mode}`;
  const cacheGroup = `bench-${ctx.runId}-cache-${mode}`;
  const events = viewedEvents(randomProductIds(products), count, `bench-${ctx.runId}-${mode}`);

  const before = await endOffsets(deps.admin, topic);
  const orderEnd = await endOffsets(deps.admin, AGGREGATE_TOPICS.order);
  log(`streamer ${mode}: producing ${count} events to ${topic}`);
  const produceStart = Date.now();
  await produceAsDebezium(deps.codec, topic, events);
  log(`streamer ${mode}: produced in ${Date.now() - produceStart} ms; starting the streamer`);
  const after = await endOffsets(deps.admin, topic);
  await setGroupOffsets(deps.admin, metricsGroup, [before, orderEnd]);
  await setGroupOffsets(deps.admin, cacheGroup, [after, orderEnd]);

  const streamer = await startBenchService(
    'streamer',
    {
      APPLY_MODE: mode,
      METRICS_GROUP_ID: metricsGroup,
      CACHE_GROUP_ID: cacheGroup,
    },
    ctx.options,
  );
  try {
    let progress = { handled: -1, at: Date.now() };
    for (;;) {
      const { rows } = await deps.streamerDb.query<{ n: string; first_ms: number | null; now_ms: number }>(
        `SELECT count(*) AS n, extract(epoch FROM min(handled_at)) * 1000 AS first_ms,
                extract(epoch FROM clock_timestamp()) * 1000 AS now_ms
         FROM event_handled WHERE consumer_group = $1`,
        [metricsGroup],
      );
      const row = rows[0];
      const handled = Number(row?.n ?? 0);
      if (handled >= count && row?.first_ms != null) {
        const elapsedMs = Number(row.now_ms) - Number(row.first_ms);
        log(`streamer ${mode}: ${handled} events applied in ${Math.round(elapsedMs)} ms`);
        return figure(
          ratePerSecond(handled, elapsedMs),
          'events/s',
          `${handled} PRODUCT_VIEWED events over ${products} products, pre-filled; APPLY_MODE=${mode}; first effect transaction to last inbox row`,
        );
      }
      if (handled !== progress.handled) progress = { handled, at: Date.now() };
      const stalled = Date.now() - progress.at > STALL_MS;
      if (stalled || streamer.child.exitCode !== null) {
        throw new Error(
          `streamer ${mode}: ${handled} of ${count} events applied, then ${stalled ? `no progress for ${STALL_MS} ms` : 'the process exited'}; its output:\n${streamer.output().slice(-4000)}`,
        );
      }
      await sleep(100);
    }
  } finally {
    await stopBenchService(streamer);
    await deps.streamerDb.query('DELETE FROM event_handled WHERE consumer_group = $1', [metricsGroup]);
    await deps.admin.deleteGroups([metricsGroup, cacheGroup]).catch(() => undefined);
  }
}
