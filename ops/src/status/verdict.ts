import type { StatusThresholds } from './config';
import {
  STATUS_REASON_COMPONENTS,
  type DependencyWait,
  type StalledPartition,
  type StatusFacts,
  type StatusReason,
  type StatusReasonCode,
  type StatusReport,
} from './report';
import { stalledPartitions } from './stall';

const MIB = 1024 * 1024;
const firstLine = (text: string | undefined): string => (text ?? '').split('\n')[0]?.trim() ?? '';

/** "metrics group waits for postgres: 55P03 canceling statement due to lock timeout": the dependency and its answer. */
const waitReason = (w: DependencyWait): string =>
  `${w.groupId} group waits for ${w.dependency}${w.reason ? `: ${w.reason}` : ''}`;

/**
 * Judges the facts: healthy only when every part of the pipeline is up and keeping up.
 * Each reason names the part, what is wrong, and the number behind it; its code and its hop
 * (the component) say the same as data.
 */
export function judge(facts: StatusFacts, limits: StatusThresholds): StatusReport {
  const findings: StatusReason[] = [];
  const reason = (code: StatusReasonCode, text: string): void => {
    findings.push({ component: STATUS_REASON_COMPONENTS[code], code, text });
  };
  const { connector, replicationSlot: slot, outbox, topics, groups, deadLetters, streamer, clamps, reconcile } = facts;

  if (!connector.ok) reason('CONNECT_UNREACHABLE', `kafka connect unreachable: ${connector.error}`);
  else if (connector.state === null) reason('CONNECTOR_MISSING', `connector ${connector.name} is not registered`);
  else {
    if (connector.state !== 'RUNNING')
      reason(
        connector.state === 'FAILED' ? 'CONNECTOR_FAILED' : 'CONNECTOR_NOT_RUNNING',
        `connector ${connector.name} is ${connector.state}`,
      );
    if (connector.tasks.length === 0) reason('CONNECTOR_NO_TASK', `connector ${connector.name} has no task`);
    for (const task of connector.tasks.filter((t) => t.state !== 'RUNNING'))
      reason(
        task.state === 'FAILED' ? 'TASK_FAILED' : 'TASK_NOT_RUNNING',
        `connector ${connector.name} task ${task.id} is ${task.state}${task.trace ? `: ${firstLine(task.trace)}` : ''}`,
      );
  }

  if (!slot.ok) reason('COMMERCE_DB_UNREACHABLE', `postgres (commerce) unreachable: ${slot.error}`);
  else if (!slot.exists) reason('SLOT_MISSING', `replication slot ${slot.slotName} does not exist`);
  else {
    if (!slot.active)
      reason('SLOT_INACTIVE', `replication slot ${slot.slotName} is inactive: nothing reads the outbox WAL`);
    if ((slot.lagBytes ?? 0) > limits.maxSlotLagBytes)
      reason(
        'SLOT_LAG_HIGH',
        `replication slot ${slot.slotName} lags ${((slot.lagBytes ?? 0) / MIB).toFixed(1)} MiB (limit ${(limits.maxSlotLagBytes / MIB).toFixed(0)} MiB)`,
      );
  }

  if (outbox.ok && (outbox.oldestAgeSeconds ?? 0) > limits.maxOutboxAgeSeconds)
    reason(
      'OUTBOX_CLEANUP_BEHIND',
      `outbox cleanup is not keeping up: oldest row is ${((outbox.oldestAgeSeconds ?? 0) / 3600).toFixed(1)} h old`,
    );
  else if (!outbox.ok && slot.ok) reason('OUTBOX_UNREADABLE', `outbox unreadable: ${outbox.error}`);

  if (!topics.ok) reason('KAFKA_UNREACHABLE', `kafka unreachable: ${topics.error}`);
  else
    for (const t of topics.items.filter((i) => i.missing && !i.topic.endsWith('.dlq')))
      reason('TOPIC_MISSING', `topic ${t.topic} does not exist`);

  if (!groups.ok && topics.ok) reason('GROUPS_UNREADABLE', `consumer groups unreadable: ${groups.error}`);
  else if (groups.ok)
    for (const g of groups.items) {
      if (g.members === 0)
        reason(
          'GROUP_NO_MEMBER',
          g.lag > 0
            ? `consumer group ${g.groupId} has no active member and ${g.lag} records waiting`
            : `consumer group ${g.groupId} has no active member (streamer down?)`,
        );
      else if (g.lag > limits.maxConsumerLag)
        reason('GROUP_LAG_HIGH', `consumer group ${g.groupId} lags ${g.lag} records (limit ${limits.maxConsumerLag})`);
    }

  // An unreachable streamer is not a reason of its own: a stopped streamer leaves its groups
  // without members (above), and a streamer elsewhere than STREAMER_URL is not a fault.
  if (streamer.ok) for (const w of streamer.waiting) reason('DEPENDENCY_WAIT', waitReason(w));

  const stalled: StalledPartition[] = groups.ok ? stalledPartitions(groups.items, limits.maxStallSeconds) : [];
  for (const s of stalled)
    reason(
      'GROUP_LAG_STALLED',
      `${s.groupId} ${s.topic}/${s.partition} stalled for ${s.stalledSeconds}s at offset ${s.offset ?? '-'} with lag ${s.lag}`,
    );

  if (!deadLetters.ok) reason('STREAMER_DB_UNREACHABLE', `postgres (streamer) unreachable: ${deadLetters.error}`);
  else
    for (const d of deadLetters.items)
      reason('DLQ_WAITING', `${d.waiting} record(s) parked in the DLQ of ${d.topic} for group ${d.groupId}`);

  if (clamps.ok && (clamps.total ?? 0) > 0)
    reason('CLAMPED', `counter clamped at zero ${clamps.total} times: ordering or duplicate bug`);
  else if (!clamps.ok && deadLetters.ok) reason('CLAMPS_UNREADABLE', `product_metrics unreadable: ${clamps.error}`);

  // A verify that found differences stays a reason until a later run (a repair, or a clean verify) replaces it.
  const last = reconcile.ok ? reconcile.last : null;
  if (last && last.mode === 'VERIFY' && last.differing > 0)
    reason(
      'PROJECTION_DRIFT',
      `reconcile ${last.reconcileId} found ${last.differing} of ${last.checked} products different from the source (npm run reconcile -- --repair)`,
    );

  return {
    ...facts,
    verdict: findings.length === 0 ? 'healthy' : 'degraded',
    reasons: findings.map((f) => f.text),
    findings,
    stalled,
  };
}
