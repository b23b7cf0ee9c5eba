import type { StatusThresholds } from './config';
import type { DependencyWait, StalledPartition, StatusFacts, StatusReport } from './report';
import { stalledPartitions } from './stall';

const MIB = 1024 * 1024;
const firstLine = (text: string | undefined): string => (text ?? '').split('\n')[0]?.trim() ?? '';

/** "metrics group waits for postgres: 55P03 canceling statement due to lock timeout": the dependency and its answer. */
const waitReason = (w: DependencyWait): string =>
  `${w.groupId} group waits for ${w.dependency}${w.reason ? `: ${w.reason}` : ''}`;

/**
 * Judges the facts: healthy only when every part of the pipeline is up and keeping up.
 * Each reason names the part, what is wrong, and the number behind it.
 */
export function judge(facts: StatusFacts, limits: StatusThresholds): StatusReport {
  const reasons: string[] = [];
  const { connector, replicationSlot: slot, outbox, topics, groups, deadLetters, streamer, clamps } = facts;

  if (!connector.ok) reasons.push(`kafka connect unreachable: ${connector.error}`);
  else if (connector.state === null) reasons.push(`connector ${connector.name} is not registered`);
  else {
    if (connector.state !== 'RUNNING') reasons.push(`connector ${connector.name} is ${connector.state}`);
    if (connector.tasks.length === 0) reasons.push(`connector ${connector.name} has no task`);
    for (const task of connector.tasks.filter((t) => t.state !== 'RUNNING'))
      reasons.push(
        `connector ${connector.name} task ${task.id} is ${task.state}${task.trace ? `: ${firstLine(task.trace)}` : ''}`,
      );
  }

  if (!slot.ok) reasons.push(`postgres (commerce) unreachable: ${slot.error}`);
  else if (!slot.exists) reasons.push(`replication slot ${slot.slotName} does not exist`);
  else {
    if (!slot.active) reasons.push(`replication slot ${slot.slotName} is inactive: nothing reads the outbox WAL`);
    if ((slot.lagBytes ?? 0) > limits.maxSlotLagBytes)
      reasons.push(
        `replication slot ${slot.slotName} lags ${((slot.lagBytes ?? 0) / MIB).toFixed(1)} MiB (limit ${(limits.maxSlotLagBytes / MIB).toFixed(0)} MiB)`,
      );
  }

  if (outbox.ok && (outbox.oldestAgeSeconds ?? 0) > limits.maxOutboxAgeSeconds)
    reasons.push(
      `outbox cleanup is not keeping up: oldest row is ${((outbox.oldestAgeSeconds ?? 0) / 3600).toFixed(1)} h old`,
    );
  else if (!outbox.ok && slot.ok) reasons.push(`outbox unreadable: ${outbox.error}`);

  if (!topics.ok) reasons.push(`kafka unreachable: ${topics.error}`);
  else
    for (const t of topics.items.filter((i) => i.missing && !i.topic.endsWith('.dlq')))
      reasons.push(`topic ${t.topic} does not exist`);

  if (!groups.ok && topics.ok) reasons.push(`consumer groups unreadable: ${groups.error}`);
  else if (groups.ok)
    for (const g of groups.items) {
      if (g.members === 0)
        reasons.push(
          g.lag > 0
            ? `consumer group ${g.groupId} has no active member and ${g.lag} records waiting`
            : `consumer group ${g.groupId} has no active member (streamer down?)`,
        );
      else if (g.lag > limits.maxConsumerLag)
        reasons.push(`consumer group ${g.groupId} lags ${g.lag} records (limit ${limits.maxConsumerLag})`);
    }

  // An unreachable streamer is not a reason of its own: a stopped streamer leaves its groups
  // without members (above), and a streamer elsewhere than STREAMER_URL is not a fault.
  if (streamer.ok) for (const w of streamer.waiting) reasons.push(waitReason(w));

  const stalled: StalledPartition[] = groups.ok ? stalledPartitions(groups.items, limits.maxStallSeconds) : [];
  for (const s of stalled)
    reasons.push(
      `${s.groupId} ${s.topic}/${s.partition} stalled for ${s.stalledSeconds}s at offset ${s.offset ?? '-'} with lag ${s.lag}`,
    );

  if (!deadLetters.ok) reasons.push(`postgres (streamer) unreachable: ${deadLetters.error}`);
  else
    for (const d of deadLetters.items)
      reasons.push(`${d.waiting} record(s) parked in the DLQ of ${d.topic} for group ${d.groupId}`);

  if (clamps.ok && (clamps.total ?? 0) > 0)
    reasons.push(`counter clamped at zero ${clamps.total} times: ordering or duplicate bug`);
  else if (!clamps.ok && deadLetters.ok) reasons.push(`product_metrics unreadable: ${clamps.error}`);

  return { ...facts, verdict: reasons.length === 0 ? 'healthy' : 'degraded', reasons, stalled };
}
