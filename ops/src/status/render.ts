import type { PartitionLag, StatusReport } from './report';

const MIB = 1024 * 1024;
const mib = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / MIB).toFixed(2)} MiB`);
const age = (seconds: number | null): string =>
  seconds === null
    ? 'empty'
    : seconds < 120
      ? `${seconds.toFixed(0)} s`
      : seconds < 7200
        ? `${(seconds / 60).toFixed(0)} min`
        : `${(seconds / 3600).toFixed(1)} h`;

/** When records wait: the age of the commit, and how long they waited when the collector dated it. */
const ages = (p: PartitionLag): string => {
  if (p.lag === 0) return '';
  if (p.committedAgeSeconds === null) return ' [age unknown]';
  const waited = p.waitingSeconds === undefined ? '' : `, waiting ${age(p.waitingSeconds)}`;
  return ` [${age(p.committedAgeSeconds)}${waited}]`;
};

/** One screen for a person: the verdict first, then each part of the pipeline. */
export function renderStatus(r: StatusReport): string {
  const out: string[] = [];
  out.push(r.verdict === 'healthy' ? 'HEALTHY' : `DEGRADED: ${r.reasons[0] ?? ''}`);
  for (const reason of r.reasons.slice(1)) out.push(`          ${reason}`);
  out.push('', `checked at ${r.checkedAt}`, '');

  out.push('connector');
  if (!r.connector.ok) out.push(`  unreachable: ${r.connector.error}`);
  else if (r.connector.state === null) out.push(`  ${r.connector.name}: not registered`);
  else {
    out.push(`  ${r.connector.name}: ${r.connector.state} on ${r.connector.workerId ?? '?'}`);
    for (const t of r.connector.tasks) {
      out.push(`    task ${t.id}: ${t.state}`);
      if (t.trace)
        out.push(
          ...t.trace
            .split('\n')
            .slice(0, 6)
            .map((l) => `      ${l}`),
        );
    }
  }

  out.push('', 'replication slot');
  const s = r.replicationSlot;
  if (!s.ok) out.push(`  unreachable: ${s.error}`);
  else if (!s.exists) out.push(`  ${s.slotName}: missing`);
  else
    out.push(
      `  ${s.slotName}: ${s.active ? 'active' : 'INACTIVE'}, lag ${mib(s.lagBytes)}, WAL retained ${mib(s.retainedBytes)}`,
    );

  out.push('', 'outbox');
  if (!r.outbox.ok) out.push(`  unreadable: ${r.outbox.error}`);
  else out.push(`  ~${r.outbox.rows} rows, ${mib(r.outbox.sizeBytes)}, oldest row ${age(r.outbox.oldestAgeSeconds)}`);

  out.push('', 'topics (partition: low..end)');
  if (!r.topics.ok) out.push(`  unreachable: ${r.topics.error}`);
  else
    for (const t of r.topics.items)
      out.push(
        t.missing
          ? `  ${t.topic}: not created`
          : `  ${t.topic}: ${t.records} records  ${t.partitions.map((p) => `${p.partition}: ${p.low}..${p.high}`).join('  ')}`,
      );

  out.push('', 'consumer groups (partition: committed/end lag [when records wait: age of the commit, of the wait])');
  if (!r.groups.ok) out.push(`  unreadable: ${r.groups.error}`);
  else
    for (const g of r.groups.items) {
      out.push(`  ${g.groupId}: ${g.state}, ${g.members} member(s), lag ${g.lag}`);
      for (const t of g.topics)
        out.push(
          `    ${t.topic}: ${t.partitions
            .map((p) => `${p.partition}: ${p.committed ?? '-'}/${p.high} ${p.lag}${ages(p)}`)
            .join('  ')}`,
        );
    }
  if (r.stalled.length > 0)
    out.push(
      `  stalled: ${r.stalled.map((s) => `${s.groupId} ${s.topic}/${s.partition} (${s.stalledSeconds} s)`).join(', ')}`,
    );

  out.push('', 'streamer (its /waits)');
  if (!r.streamer.ok) out.push(`  not reachable: ${r.streamer.error} (not judged: a stopped streamer has no members)`);
  else if (r.streamer.waiting.length === 0) out.push(`  ${r.streamer.url}: no group waits for a dependency`);
  else
    for (const w of r.streamer.waiting)
      out.push(`  ${w.groupId} waits for ${w.dependency} since ${w.since} (${w.partitions} partition(s)): ${w.reason}`);

  out.push('', 'dead-letter queue (waiting for an operator)');
  if (!r.deadLetters.ok) out.push(`  unreadable: ${r.deadLetters.error}`);
  else if (r.deadLetters.items.length === 0) out.push('  empty');
  else for (const d of r.deadLetters.items) out.push(`  ${d.groupId} ${d.topic}: ${d.waiting}`);

  out.push('', 'last reconcile (npm run reconcile)');
  if (!r.reconcile.ok) out.push(`  unreadable: ${r.reconcile.error}`);
  else if (!r.reconcile.last) out.push('  none yet');
  else {
    const l = r.reconcile.last;
    out.push(
      `  ${l.finishedAt} ${l.mode}: ${l.checked} checked, ${l.differing} differ${l.mode === 'REPAIR' ? `, ${l.repaired} repaired` : ''} (${l.reconcileId})`,
    );
  }

  out.push('', 'counter clamps (product_metrics.clamped, must stay 0)');
  if (!r.clamps.ok) out.push(`  unreadable: ${r.clamps.error}`);
  else out.push(r.clamps.total === null ? '  unknown (column not migrated yet)' : `  ${r.clamps.total}`);
  return out.join('\n');
}
