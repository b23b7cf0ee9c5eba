import type { CheckResults } from './checks';
import type { CorruptionCheck } from './corruption';
import type { HostileCheck } from './hostile';
import type { ChaosReport, FaultRecord } from './run';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const LIST_LIMIT = 20;
const verdict = (ok: boolean): string => (ok ? 'ok  ' : 'FAIL');

/** The run for a person: what was done, what was broken, and whether every guarantee held. */
export function summarize(r: ChaosReport): string {
  const out = [
    ...whatWasDone(r),
    ...faultLines(r.faults),
    '',
    ...checkLines(r.checks),
    ...hostileLines(r.hostile),
    ...corruptionLines(r.corruption),
  ];
  out.push('', r.passed ? 'PASSED' : 'FAILED');
  return out.join('\n');
}

function whatWasDone(r: ChaosReport): string[] {
  const w = r.workload;
  const list = (counts: Record<string, number>): string =>
    Object.entries(counts)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
  return [
    `chaos run, seed ${r.seed} (repeat with --seed ${r.seed})`,
    `workload: ${w.operations} operations (${list(w.byKind)}); HTTP ${list(w.byStatus)}; ${w.transportErrors} refused while the api was down`,
    `reads: ${r.reads.reads} GET /products/:id (${r.reads.hits} from the cache); HTTP ${list(r.reads.byStatus)}; ${r.reads.transportErrors} refused`,
    `events written (committed outbox rows): ${r.eventsWritten}; records in Kafka: ${r.kafkaRecords}`,
    r.exactlyOnceCapture
      ? `exactly-once capture: ${r.checks.duplicateRecords} records written twice to the event topics (must be 0); ${r.inboxDuplicatesSkipped} redeliveries skipped by the inbox`
      : `duplicates absorbed: ${r.checks.duplicateRecords} records delivered twice to Kafka (Connect replays), ${r.inboxDuplicatesSkipped} redeliveries skipped by the inbox`,
  ];
}

function faultLines(faults: FaultRecord[]): string[] {
  const count = new Map<string, number>();
  for (const f of faults) count.set(f.target, (count.get(f.target) ?? 0) + 1);
  return [
    `faults: ${[...count].map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}`,
    ...faults.map(
      (f) =>
        `  +${seconds(f.atMs)} ${f.target} ${f.action}: down ${seconds(f.downMs)}, back ${seconds(f.returnedMs)} after the fault; new events captured ${seconds(f.capturedMs)} and applied ${seconds(f.recoveredMs)} after it: caught up ${seconds(f.catchUpMs)} after the return`,
    ),
  ];
}

function checkLines(c: CheckResults): string[] {
  const out: string[] = [];
  out.push(
    `${verdict(c.lost.length === 0)} no loss: every committed outbox event is in its topic (${c.lost.length} missing)`,
  );
  for (const e of c.lost.slice(0, LIST_LIMIT))
    out.push(`       lost ${e.type} ${e.id} of ${e.aggregateId} (${e.topic})`);
  out.push(
    `${verdict(c.drift.length === 0)} product_metrics equals the ground truth (${c.drift.length} products differ)`,
  );
  for (const d of c.drift.slice(0, LIST_LIMIT))
    out.push(`       ${d.productId}: truth ${JSON.stringify(d.truth)}, applied ${JSON.stringify(d.applied)}`);
  out.push(`${verdict(c.deadLetters.length === 0)} no valid event in the DLQ (${c.deadLetters.length} parked)`);
  for (const d of c.deadLetters.slice(0, LIST_LIMIT))
    out.push(`       ${d.group} ${d.topic}@${d.offset} ${d.eventId ?? '?'}: ${d.error}`);
  out.push(
    `${verdict(c.outOfOrder.length === 0)} per aggregate, commit order kept (${c.outOfOrder.length} violations)`,
  );
  for (const v of c.outOfOrder.slice(0, LIST_LIMIT))
    out.push(`       ${v.aggregateId} (${v.where}): ${v.later} came before ${v.earlier}`);
  out.push(...clampLines(c.clamps));
  out.push(
    `${verdict(c.staleCache.length === 0)} every cached product equals its row (${c.staleCache.length} stale in Redis)`,
  );
  for (const s of c.staleCache.slice(0, LIST_LIMIT))
    out.push(`       ${s.productId}: row ${JSON.stringify(s.row)}, cached ${JSON.stringify(s.cached)}`);
  return out;
}

function hostileLines(h: HostileCheck): string[] {
  const parked = Object.entries(h.parked)
    .map(([group, n]) => `${n} by ${group}`)
    .join(', ');
  const out = [
    `${verdict(h.missing.length === 0 && h.parkedTwice === 0)} every odd record parked once by each group that reads it (${h.written} written; parked ${parked || 'none'}; ${h.missing.length} missing, ${h.parkedTwice} twice)`,
  ];
  for (const m of h.missing.slice(0, LIST_LIMIT))
    out.push(`       ${m.kind} at ${m.topic}/${m.partition}@${m.offset} not parked by ${m.group}`);
  out.push(
    `${verdict(h.notCopied.length === 0)} every odd dead letter copied to its .dlq topic (${h.notCopied.length} not)`,
  );
  for (const c of h.notCopied.slice(0, LIST_LIMIT))
    out.push(`       ${c.group} ${c.topic}@${c.offset}: ${c.publishError ?? 'not yet'}`);
  return out;
}

function corruptionLines(c: CorruptionCheck): string[] {
  const exact = c.verifyExit === 1 && c.found.join() === c.corrupted.join();
  const out = [
    `${verdict(exact)} reconcile found exactly the ${c.corrupted.length} products corrupted by hand (found ${c.found.length}; exit ${c.verifyExit})`,
  ];
  if (!exact) out.push(`       corrupted ${c.corrupted.join(', ')}; found ${c.found.join(', ') || 'none'}`);
  out.push(
    `${verdict(c.repaired === c.corrupted.length && c.afterRepair === 0)} reconcile --repair set them from the source (${c.repaired} repaired; ${c.afterRepair} differ after)`,
  );
  return out;
}

function clampLines({ column, metric }: CheckResults['clamps']): string[] {
  if (column === undefined && metric === undefined)
    return ['n/a  no clamps: not measured (neither product_metrics.clamped nor streamer_metric_clamped_total exists)'];
  const clampedRows = column ?? [];
  const sources = [
    column === undefined ? undefined : `${clampedRows.length} products with product_metrics.clamped > 0`,
    metric === undefined ? undefined : `streamer_metric_clamped_total ${metric}`,
  ].filter((s) => s !== undefined);
  const out = [
    `${verdict(clampedRows.length === 0 && (metric ?? 0) === 0)} no counter delta clamped at zero (${sources.join('; ')})`,
  ];
  for (const row of clampedRows.slice(0, LIST_LIMIT)) out.push(`       ${row.productId}: clamped ${row.clamped}`);
  return out;
}
