import {
  runGroupIds,
  seededRandom,
  createLoadProduct,
  currentLsn,
  endOffsets,
  eventually,
  freePort,
  preparePipeline,
  queryDb,
  readBetween,
  endpoints,
  startGroupsAtEnd,
  STREAMER_SESSION_MS,
  waitCaptured,
  type WorkloadReport,
} from '@outbox/e2e';
import { connectClientOf } from '@outbox/connect';
import { loadStatusConfig, pipelineStatus } from '@outbox/ops';
import { allHeld, checkGuarantees, type CheckResults } from './checks';
import { checkHostile, oddRecordsOf, type HostileCheck, type HostileReport } from './hostile';
import { StreamerCounters } from './counters';
import { Probe } from './probe';
import type { ReaderReport } from './reader';
import type { ChaosOptions } from './options';
import { loadUnderFaults, type FaultRecord } from './schedule';
import { Services } from './child-processes';
import { corruptAndReconcile, corruptionHeld, type CorruptionCheck } from './corruption';
import { refuseIfAStreamerRuns } from './setup';

export type { ChaosOptions } from './options';
export type { FaultRecord } from './schedule';

export interface ChaosReport {
  seed: number;
  groups: string[];
  workload: WorkloadReport;
  reads: ReaderReport;
  eventsWritten: number;
  kafkaRecords: number;
  /** Redeliveries the streamer's inbox skipped (its counter, summed over every streamer process). */
  inboxDuplicatesSkipped: number;
  /** What the hostile producer sent, and which sends failed. */
  hostileSends: HostileReport;
  faults: FaultRecord[];
  idleAfterMs: number;
  checks: CheckResults;
  /** Odd records of the hostile producer: each parked once per group reading its topic, and copied. */
  hostile: HostileCheck;
  /** The projection corrupted by hand, and what `npm run reconcile` found and repaired. */
  corruption: CorruptionCheck;
  /** The connector ran with exactly-once capture: then duplicateRecords must be 0. */
  exactlyOnceCapture: boolean;
  passed: boolean;
}

const TOPICS = ['catalog-events', 'order-events'];

/**
 * A chaos run: a seeded workload through the api while processes are killed and dependencies
 * fail, one fault at a time; then, with the pipeline idle, the guarantees (docs/guarantees.md) are checked
 * against what PostgreSQL, Kafka, Redis and the streamer's tables actually hold.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const groups = runGroupIds('chaos', o.seed);
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
      KAFKA_SESSION_TIMEOUT_MS: String(STREAMER_SESSION_MS),
    },
  );
  const counters = new StreamerCounters();
  try {
    await services.startStreamer();
    await services.startApi();
    const productIds: string[] = [];
    for (let i = 0; i < o.products; i += 1) productIds.push(await createLoadProduct(services.apiUrl, `chaos ${i}`));
    const probeId = await createLoadProduct(services.apiUrl, 'chaos recovery probe');
    o.log(`${o.products} products, groups ${groups.metrics} / ${groups.cacheInvalidation}, seed ${o.seed}`);
    const probe = new Probe(() => services.apiUrl, probeId, groups);

    const { workload, reads, hostile, faults } = await loadUnderFaults(o, services, counters, productIds, probe);
    o.log(`workload stopped after ${workload.operations} operations; waiting for the pipeline to be idle`);
    const idleAfterMs = await waitIdle(groups);
    // The projection of a few products is broken by hand; reconcile must find and repair exactly those.
    const corruption = await corruptAndReconcile(productIds, services.streamer?.url ?? '', seededRandom(o.seed));
    o.log(
      `corrupted ${corruption.corrupted.length} products; reconcile found ${corruption.found.length}, repaired ${corruption.repaired}`,
    );
    await counters.collect(services.streamer?.url);

    const records = await readBetween(startOffsets, await endOffsets(TOPICS));
    const exactlyOnce = await capturesExactlyOnce(loadStatusConfig().connectorName);
    // Lag 0 means every offset is committed, so every effect is durable: no waiting here.
    const checks = await checkGuarantees({
      since,
      productIds: [...productIds, probeId],
      groups: Object.values(groups),
      records,
      clampMetric: counters.clamped,
    });
    const hostileCheck = await copiedToDlq(() => checkHostile(oddRecordsOf(records), groups));
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
      hostile: hostileCheck,
      hostileSends: hostile,
      corruption,
      exactlyOnceCapture: exactlyOnce,
      passed: allHeld(checks, { exactlyOnce }) && hostileHeld(hostileCheck) && corruptionHeld(corruption),
    };
  } finally {
    await services.stop();
  }
}

/** Every odd record parked once by each group that reads it, and copied to its `.dlq` topic. */
function hostileHeld(h: HostileCheck): boolean {
  return h.missing.length === 0 && h.parkedTwice === 0 && h.notCopied.length === 0;
}

/** The DLQ publisher copies parked records after they commit: give it time to catch up. */
async function copiedToDlq(check: () => Promise<HostileCheck>): Promise<HostileCheck> {
  let last = await check();
  for (const until = Date.now() + 60_000; last.notCopied.some((c) => c.publishError === null) && Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    last = await check();
  }
  return last;
}

/** Waits until the slot confirmed everything written and both groups have lag 0; returns how long that took. */
async function waitIdle(groups: { metrics: string; cacheInvalidation: string }): Promise<number> {
  const started = Date.now();
  const statusConfig = { ...loadStatusConfig(), groups };
  await waitCaptured(await currentLsn(), 300_000);
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

/** Whether the running connector captures exactly once (its stored config, not this process's environment). */
async function capturesExactlyOnce(connectorName: string): Promise<boolean> {
  const client = await connectClientOf(endpoints.connectUrls, endpoints.connectLogin);
  return (await client.config(connectorName))?.['exactly.once.support'] === 'required';
}
