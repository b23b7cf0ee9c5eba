import type { ChaosReport } from './run';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const LIST_LIMIT = 20;

/** The run for a person: what was done, what was broken, and whether every guarantee held. */
export function summarize(r: ChaosReport): string {
  const out: string[] = [];
  const w = r.workload;
  out.push(`chaos run, seed ${r.seed} (repeat with --seed ${r.seed})`);
  out.push(
    `workload: ${w.operations} operations (${Object.entries(w.byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}); HTTP ${Object.entries(w.byStatus)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}; ${w.transportErrors} refused while the api was down`,
  );
  out.push(`events written (committed outbox rows): ${r.eventsWritten}; records in Kafka: ${r.kafkaRecords}`);
  out.push(
    `duplicates absorbed: ${r.checks.duplicateRecords} records delivered twice to Kafka (Connect replays), ${r.inboxDuplicatesSkipped} redeliveries skipped by the inbox`,
  );
  const kills = new Map<string, number>();
  for (const f of r.faults) kills.set(f.target, (kills.get(f.target) ?? 0) + 1);
  out.push(`kills: ${[...kills].map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}`);
  for (const f of r.faults)
    out.push(
      `  +${seconds(f.atMs)} ${f.target}: down ${seconds(f.downMs)}; a new event captured ${seconds(f.capturedMs)} and applied ${seconds(f.recoveredMs)} after the kill`,
    );
  out.push(`idle (slot confirmed, lag 0) ${seconds(r.idleAfterMs)} after the load stopped`);
  out.push('');

  const c = r.checks;
  const verdict = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
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
  out.push('', r.passed ? 'PASSED' : 'FAILED');
  return out.join('\n');
}
