import { setTimeout as sleep } from 'node:timers/promises';
import {
  endOffsets,
  eventually,
  freePort,
  preparePipeline,
  queryDb,
  readBetween,
  runWorkload,
  seededRandom,
  startGroupsAtEnd,
  type WorkloadReport,
} from '@outbox/e2e';
import { loadStatusConfig, pipelineStatus } from '@outbox/ops';
import { allHeld, checkGuarantees, type CheckResults } from './checks';
import { StreamerCounters } from './counters';
import { injectFault, type FaultContext, type FaultPlan, type FaultTarget } from './faults';
import { currentLsn, Probe, waitCaptured } from './probe';
import { runReaders, type ReaderReport } from './reader';
import { Services } from './services';
import { createProduct, faultOrder, refuseIfAStreamerRuns, runGroups } from './setup';

export interface ChaosOptions extends FaultPlan {
  seed: number;
  /** How long the workload runs at least (it goes on until every target was hit once). */
  durationMs: number;
  products: number;
  members: number;
  concurrency: number;
  /** Concurrent readers of GET /products/:id (they fill the product cache); 2 unless set. */
  readers?: number;
  /** Pause before each fault, drawn between [min, max]. */
  faultEveryMs: [number, number];
  targets: FaultTarget[];
  log: (line: string) => void;
}

export interface FaultRecord {
  target: FaultTarget;
  /** What was done: SIGKILL, fast shutdown, crash (SIGKILL), stopped, N joins and leaves. */
  action: string;
  /** Milliseconds since the workload started. */
  atMs: number;
  /** How long the target was down (a storm: how long it lasted). */
  downMs: number;
  /** From the fault until the target was back (restarted and healthy, or the storm over). */
  returnedMs: number;
  /** From the fault until a new event written through the api was in Kafka (slot confirmed). */
  capturedMs: number;
  /** From the fault until new events written through the api had reached their effect in both groups. */
  recoveredMs: number;
  /** Catch-up: from the target's return until new events had reached their effect in both groups. */
  catchUpMs: number;
}

export interface ChaosReport {
  seed: number;
  groups: string[];
  workload: WorkloadReport;
  reads: ReaderReport;
  eventsWritten: number;
  kafkaRecords: number;
  /** Redeliveries the streamer's inbox skipped (its counter, summed over every streamer process). */
  inboxDuplicatesSkipped: number;
  faults: FaultRecord[];
  idleAfterMs: number;
  checks: CheckResults;
  passed: boolean;
}

const TOPICS = ['catalog-events', 'order-events'];

/**
 * A chaos run: a seeded workload through the api while processes are killed and dependencies
 * fail, one fault at a time; then, with the pipeline idle, the guarantees of SPEC 5 are checked
 * against what PostgreSQL, Kafka, Redis and the streamer's tables actually hold.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const groups = runGroups(o.seed);
  await preparePipeline();
  await refuseIfAStreamerRuns();
  await startGroupsAtEnd(Object.values(groups), TOPICS);
  const [dbNow] = await queryDb<{ now: Date }>('commerce', 'SELECT now() AS now');
  const since = dbNow?.now ?? new Date();
  const startOffsets = await endOffsets(TOPICS);

  const services = new Services(
    await freePort(),
    // A long TTL: a stale copy stays until the end check instead of expiring before it.
    { LOG_LEVEL: 'warn', CACHE_TTL_SECONDS: '3600' },
    {
      METRICS_GROUP_ID: groups.metrics,
      CACHE_GROUP_ID: groups.cacheInvalidation,
      LOG_LEVEL: 'warn',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    },
  );
  const counters = new StreamerCounters();
  try {
    await services.startStreamer();
    await services.startApi();
    const productIds: string[] = [];
    for (let i = 0; i < o.products; i += 1) productIds.push(await createProduct(services.apiUrl, `chaos ${i}`));
    const probeId = await createProduct(services.apiUrl, 'chaos recovery probe');
    o.log(`${o.products} products, groups ${groups.metrics} / ${groups.cacheInvalidation}, seed ${o.seed}`);
    const probe = new Probe(() => services.apiUrl, probeId, groups, loadStatusConfig().slotName);

    const { workload, reads, faults } = await loadUnderFaults(o, services, counters, productIds, probe);
    o.log(`workload stopped after ${workload.operations} operations; waiting for the pipeline to be idle`);
    const idleAfterMs = await waitIdle(groups);
    await counters.collect(services.streamer?.url);

    const records = await readBetween(startOffsets, await endOffsets(TOPICS));
    // Lag 0 means every offset is committed, so every effect is durable: no waiting here.
    const checks = await checkGuarantees({
      since,
      productIds: [...productIds, probeId],
      groups: Object.values(groups),
      records,
      clampMetric: counters.clamped,
    });
    const [written] = await queryDb<{ n: string }>(
      'commerce',
      'SELECT count(*) AS n FROM outbox WHERE created_at >= $1',
      [since],
    );
    return {
      seed: o.seed,
      groups: Object.values(groups),
      workload,
      reads,
      eventsWritten: Number(written?.n ?? 0),
      kafkaRecords: records.length,
      inboxDuplicatesSkipped: counters.duplicatesSkipped,
      faults,
      idleAfterMs,
      checks,
      passed: allHeld(checks),
    };
  } finally {
    await services.stop();
  }
}

/**
 * The workload and the readers run for the duration, and on until every target was hit once;
 * meanwhile the faults, in a seeded order at seeded moments, each followed by the probe.
 */
async function loadUnderFaults(
  o: ChaosOptions,
  services: Services,
  counters: StreamerCounters,
  productIds: string[],
  probe: Probe,
): Promise<{ workload: WorkloadReport; reads: ReaderReport; faults: FaultRecord[] }> {
  const random = seededRandom(o.seed);
  const nextTarget = faultOrder(o.targets, random);
  const startedAt = Date.now();
  const deadline = startedAt + o.durationMs;
  const stamp = (at: number): string => `+${((at - startedAt) / 1000).toFixed(1)}s`;
  let everyTargetHit = o.targets.length === 0;
  let aborted = false; // a fault that could not be injected or recovered from ends the load too
  const loadOver = (): boolean => aborted || (Date.now() >= deadline && everyTargetHit);

  const workload = runWorkload({
    apiUrl: services.apiUrl,
    productIds,
    members: o.members,
    operations: Number.MAX_SAFE_INTEGER,
    concurrency: o.concurrency,
    seed: o.seed,
    shouldStop: loadOver,
  });
  const reads = runReaders({
    apiUrl: () => services.apiUrl,
    productIds,
    concurrency: o.readers ?? 2,
    seed: o.seed + 1,
    shouldStop: loadOver,
  });
  const ctx: FaultContext = {
    services,
    counters,
    plan: o,
    random,
    log: (line) => o.log(`${stamp(Date.now())} ${line}`),
  };

  const faults: FaultRecord[] = [];
  try {
    for (let i = 0; !everyTargetHit || Date.now() + o.faultEveryMs[0] < deadline; i += 1) {
      await sleep(Math.round(o.faultEveryMs[0] + random() * (o.faultEveryMs[1] - o.faultEveryMs[0])));
      if (loadOver()) break;
      const target = nextTarget(i);
      faults.push(await faultAndCatchUp(target, ctx, probe, startedAt));
      everyTargetHit = o.targets.every((t) => faults.some((f) => f.target === t));
    }
  } catch (err) {
    aborted = true;
    await Promise.allSettled([workload, reads]);
    throw err;
  }
  return { workload: await workload, reads: await reads, faults };
}

/** One fault, then the probe: how long until the target was back, and until new events reached their effect. */
async function faultAndCatchUp(
  target: FaultTarget,
  ctx: FaultContext,
  probe: Probe,
  startedAt: number,
): Promise<FaultRecord> {
  const at = Date.now();
  const injected = await injectFault(target, ctx);
  const { capturedAt, appliedAt } = await probe.run();
  const record: FaultRecord = {
    target,
    action: injected.action,
    atMs: at - startedAt,
    downMs: injected.downMs,
    returnedMs: injected.returnedAt - at,
    capturedMs: capturedAt - at,
    recoveredMs: appliedAt - at,
    catchUpMs: appliedAt - injected.returnedAt,
  };
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  ctx.log(
    `  ${target} back after ${s(record.returnedMs)}; new events in Kafka ${s(record.capturedMs)} and applied ${s(record.recoveredMs)} after the fault: caught up ${s(record.catchUpMs)} after it returned`,
  );
  return record;
}

/** Waits until the slot confirmed everything written and both groups have lag 0; returns how long that took. */
async function waitIdle(groups: { metrics: string; cacheInvalidation: string }): Promise<number> {
  const started = Date.now();
  const statusConfig = { ...loadStatusConfig(), groups };
  await waitCaptured(statusConfig.slotName, await currentLsn(), 300_000);
  await eventually(
    'consumer lag 0 for both groups',
    async () => {
      const status = await pipelineStatus(statusConfig);
      return status.groups.ok && status.groups.items.every((g) => g.lag === 0) ? true : undefined;
    },
    300_000,
  );
  return Date.now() - started;
}
