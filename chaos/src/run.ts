import { setTimeout as sleep } from 'node:timers/promises';
import {
  endOffsets,
  eventually,
  freePort,
  kafkaClient,
  metricsDrift,
  preparePipeline,
  queryDb,
  readBetween,
  runWorkload,
  scrapeCounterSum,
  seededRandom,
  startGroupsAtEnd,
  type WorkloadReport,
} from '@outbox/e2e';
import { loadStatusConfig, pipelineStatus } from '@outbox/ops';
import { checkGuarantees, type CheckResults } from './checks';
import { kill, restart, Services, type FaultTarget } from './faults';

export interface ChaosOptions {
  seed: number;
  /** How long the workload runs at least (it goes on until every target was killed once). */
  durationMs: number;
  products: number;
  members: number;
  concurrency: number;
  /** Pause before each fault, drawn between [min, max]. */
  faultEveryMs: [number, number];
  /** How long a killed component stays down, drawn between [min, max]. */
  downtimeMs: [number, number];
  targets: FaultTarget[];
  log: (line: string) => void;
}

export interface FaultRecord {
  target: FaultTarget;
  /** Milliseconds since the workload started. */
  atMs: number;
  downMs: number;
  /** From the kill until a new event written through the api was in Kafka (slot confirmed). */
  capturedMs: number;
  /** From the kill until a new event written through the api was applied by the streamer. */
  recoveredMs: number;
}

export interface ChaosReport {
  seed: number;
  groups: string[];
  workload: WorkloadReport;
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

/** Another streamer on the default group would add to the same product_metrics rows. */
async function refuseIfAStreamerRuns(): Promise<void> {
  const group = process.env.METRICS_GROUP_ID ?? 'metrics';
  const admin = kafkaClient('chaos-guard').admin();
  await admin.connect();
  try {
    const [described] = (await admin.describeGroups([group])).groups;
    if ((described?.members.length ?? 0) > 0)
      throw new Error(
        `a streamer is running (group "${group}" has members): stop it first, it would also count this run's events in product_metrics`,
      );
  } finally {
    await admin.disconnect();
  }
}

async function createProduct(apiUrl: string, name: string): Promise<string> {
  const res = await fetch(`${apiUrl}/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, price: 1000, stock: 1_000_000 }),
  });
  if (res.status !== 201) throw new Error(`creating a product failed: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * A chaos run: a seeded workload through the api while components are killed with SIGKILL
 * and restarted one at a time; then, with the pipeline idle, the guarantees of SPEC 5 are
 * checked against what PostgreSQL, Kafka and the streamer's tables actually hold.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const random = seededRandom(o.seed);
  const between = ([min, max]: [number, number]) => Math.round(min + random() * (max - min));
  const suffix = `${o.seed}_${Date.now().toString(36)}`;
  const groups = { metrics: `chaos-metrics_${suffix}`, cacheInvalidation: `chaos-cache_${suffix}` };
  const groupEnv = { METRICS_GROUP_ID: groups.metrics, CACHE_GROUP_ID: groups.cacheInvalidation };

  await preparePipeline();
  await refuseIfAStreamerRuns();
  await startGroupsAtEnd(Object.values(groups), TOPICS);
  const [dbNow] = await queryDb<{ now: Date }>('commerce', 'SELECT now() AS now');
  const since = dbNow?.now ?? new Date();
  const startOffsets = await endOffsets(TOPICS);

  const services = new Services(
    await freePort(),
    { LOG_LEVEL: 'warn' },
    {
      ...groupEnv,
      LOG_LEVEL: 'warn',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    },
  );
  let inboxDuplicatesSkipped = 0;
  try {
    await services.startStreamer();
    await services.startApi();
    const productIds: string[] = [];
    for (let i = 0; i < o.products; i += 1) productIds.push(await createProduct(services.apiUrl, `chaos ${i}`));
    const probe = await createProduct(services.apiUrl, 'chaos recovery probe');
    o.log(`${o.products} products, groups ${groups.metrics} / ${groups.cacheInvalidation}, seed ${o.seed}`);

    const startedAt = Date.now();
    const deadline = startedAt + o.durationMs;
    // The load runs for the duration, and on until every target has been killed once.
    let everyTargetHit = o.targets.length === 0;
    const loadOver = () => Date.now() >= deadline && everyTargetHit;
    const workload = runWorkload({
      apiUrl: services.apiUrl,
      productIds,
      members: o.members,
      operations: Number.MAX_SAFE_INTEGER,
      concurrency: o.concurrency,
      seed: o.seed,
      shouldStop: loadOver,
    });

    const slotName = loadStatusConfig().slotName;
    /** Debezium confirmed the WAL up to this position: what was committed before is in Kafka. */
    const waitCaptured = async (lsn: string, timeoutMs: number): Promise<void> => {
      await eventually(
        'the replication slot to confirm the WAL written so far',
        async () => {
          const [row] = await queryDb<{ done: boolean }>(
            'commerce',
            'SELECT confirmed_flush_lsn >= $1::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = $2',
            [lsn, slotName],
          );
          return row?.done ? true : undefined;
        },
        timeoutMs,
      );
    };
    const currentLsn = async (): Promise<string> =>
      (await queryDb<{ lsn: string }>('commerce', 'SELECT pg_current_wal_lsn()::text AS lsn'))[0]?.lsn ?? '0/0';

    /** A view on the probe product, captured then applied: the whole path works again. */
    const waitRecovered = async (killedAt: number): Promise<{ capturedMs: number }> => {
      await eventually(
        'a probe view to be accepted by the api',
        async () => {
          const res = await fetch(`${services.apiUrl}/products/${probe}/views`, { method: 'POST' }).catch(
            () => undefined,
          );
          return res?.ok ? true : undefined;
        },
        180_000,
      );
      await waitCaptured(await currentLsn(), 300_000);
      const capturedMs = Date.now() - killedAt;
      await eventually(
        'the probe view to be applied',
        async () => ((await metricsDrift([probe])).length === 0 ? true : undefined),
        300_000,
      );
      return { capturedMs };
    };

    const faults: FaultRecord[] = [];
    // A seeded shuffle (Fisher-Yates), then round robin: every target is hit before any twice.
    const order = [...o.targets];
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as FaultTarget, order[i] as FaultTarget];
    }
    for (let i = 0; !everyTargetHit || Date.now() + o.faultEveryMs[0] < deadline; i += 1) {
      await sleep(between(o.faultEveryMs));
      if (loadOver()) break;
      const target = order[i % order.length] as FaultTarget;
      const killedAt = Date.now();
      if (target === 'streamer')
        inboxDuplicatesSkipped += await scrapeCounterSum(services.streamer?.url, 'streamer_events_duplicate_total');
      await kill(target, services);
      const downMs = between(o.downtimeMs);
      o.log(`+${((killedAt - startedAt) / 1000).toFixed(1)}s SIGKILL ${target}; down for ${downMs} ms`);
      await sleep(downMs);
      await restart(target, services);
      const { capturedMs } = await waitRecovered(killedAt);
      const recoveredMs = Date.now() - killedAt;
      faults.push({ target, atMs: killedAt - startedAt, downMs, capturedMs, recoveredMs });
      o.log(
        `  ${target} recovered: a new event was in Kafka ${(capturedMs / 1000).toFixed(1)} s and applied ${(recoveredMs / 1000).toFixed(1)} s after the kill`,
      );
      everyTargetHit = o.targets.every((t) => faults.some((f) => f.target === t));
    }
    const workloadReport = await workload;
    o.log(`workload stopped after ${workloadReport.operations} operations; waiting for the pipeline to be idle`);

    const idleStart = Date.now();
    await waitCaptured(await currentLsn(), 300_000);
    const statusConfig = { ...loadStatusConfig(), groups };
    await eventually(
      'consumer lag 0 for both groups',
      async () => {
        const status = await pipelineStatus(statusConfig);
        return status.groups.ok && status.groups.items.every((g) => g.lag === 0) ? true : undefined;
      },
      300_000,
    );
    const idleAfterMs = Date.now() - idleStart;
    inboxDuplicatesSkipped += await scrapeCounterSum(services.streamer?.url, 'streamer_events_duplicate_total');

    const records = await readBetween(startOffsets, await endOffsets(TOPICS));
    const allProducts = [...productIds, probe];
    // Lag 0 means every offset is committed, so every effect is durable: no waiting here.
    const checks = await checkGuarantees({ since, productIds: allProducts, groups: Object.values(groups), records });
    const eventsWritten = (
      await queryDb<{ n: string }>('commerce', 'SELECT count(*) AS n FROM outbox WHERE created_at >= $1', [since])
    )[0]?.n;
    const passed =
      checks.lost.length === 0 &&
      checks.drift.length === 0 &&
      checks.deadLetters.length === 0 &&
      checks.outOfOrder.length === 0;
    return {
      seed: o.seed,
      groups: Object.values(groups),
      workload: workloadReport,
      eventsWritten: Number(eventsWritten ?? 0),
      kafkaRecords: records.length,
      inboxDuplicatesSkipped,
      faults,
      idleAfterMs,
      checks,
      passed,
    };
  } finally {
    await services.stop();
  }
}
