import { setTimeout as sleep } from 'node:timers/promises';
import { runWorkload, seededRandom, type WorkloadReport } from '@outbox/e2e';
import type { StreamerCounters } from './counters';
import { runHostileProducer, type HostileReport } from './hostile';
import { injectFault, type FaultContext, type FaultTarget } from './faults';
import type { Probe } from './probe';
import { runReaders, type ReaderReport } from './reader';
import type { ChaosOptions } from './options';
import type { Services } from './child-processes';
import { faultOrder } from './setup';

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

/**
 * The workload and the readers run for the duration, and on until every target was hit once;
 * meanwhile the faults, in a seeded order at seeded moments, each followed by the probe.
 */
export async function loadUnderFaults(
  o: ChaosOptions,
  services: Services,
  counters: StreamerCounters,
  productIds: string[],
  probe: Probe,
): Promise<{ workload: WorkloadReport; reads: ReaderReport; hostile: HostileReport; faults: FaultRecord[] }> {
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
  const hostile: Promise<HostileReport> = o.oddEveryMs
    ? runHostileProducer({ seed: o.seed + 2, everyMs: o.oddEveryMs, shouldStop: loadOver, log: o.log })
    : Promise.resolve({ acknowledged: {}, failedSends: {} });
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
    await Promise.allSettled([workload, reads, hostile]);
    throw err;
  }
  return { workload: await workload, reads: await reads, hostile: await hostile, faults };
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
