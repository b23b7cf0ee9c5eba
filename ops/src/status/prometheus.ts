import { Gauge, Registry } from 'prom-client';
import type { StatusReport } from './report';

/**
 * The status as Prometheus metrics, for node_exporter's textfile collector (or any scraper
 * of a file): what no service of ours can export itself, such as the connector's task
 * states, and the group lag while the streamer is down.
 */
export async function statusAsPrometheus(r: StatusReport): Promise<string> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });

  gauge('pipeline_status_healthy', '1 when the status verdict is healthy').set(r.verdict === 'healthy' ? 1 : 0);
  const up = gauge('pipeline_status_probe_up', '1 when the status could read this source', ['source']);
  for (const [source, p] of Object.entries({
    connect: r.connector,
    postgres_commerce: r.replicationSlot,
    kafka: r.topics,
    postgres_streamer: r.deadLetters,
  }))
    up.set({ source }, p.ok ? 1 : 0);

  if (r.connector.ok) {
    const tasks = gauge('pipeline_connector_tasks', 'Connector tasks by state', ['connector', 'state']);
    const states = new Map<string, number>([
      ['RUNNING', 0],
      ['FAILED', 0],
    ]);
    for (const t of r.connector.tasks) states.set(t.state, (states.get(t.state) ?? 0) + 1);
    for (const [state, n] of states) tasks.set({ connector: r.connector.name, state }, n);
    gauge('pipeline_connector_running', '1 when the connector is RUNNING', ['connector']).set(
      { connector: r.connector.name },
      r.connector.state === 'RUNNING' ? 1 : 0,
    );
  }
  if (r.groups.ok) {
    const lag = gauge('pipeline_consumer_group_lag', 'Records behind the end of the topic, by group and topic', [
      'group',
      'topic',
    ]);
    const members = gauge('pipeline_consumer_group_members', 'Active members of the group', ['group']);
    const stalled = gauge(
      'pipeline_consumer_group_stalled_partitions',
      'Partitions whose committed offset has not moved for longer than the limit while records wait',
      ['group'],
    );
    const commitAge = gauge(
      'pipeline_consumer_partition_commit_age_seconds',
      "Seconds since the group committed this partition's offset (from the commit metadata; absent when unknown)",
      ['group', 'topic', 'partition'],
    );
    for (const g of r.groups.items) {
      members.set({ group: g.groupId }, g.members);
      stalled.set({ group: g.groupId }, r.stalled.filter((s) => s.groupId === g.groupId).length);
      for (const t of g.topics) {
        lag.set({ group: g.groupId, topic: t.topic }, t.lag);
        for (const p of t.partitions)
          if (p.committedAgeSeconds !== null)
            commitAge.set({ group: g.groupId, topic: t.topic, partition: String(p.partition) }, p.committedAgeSeconds);
      }
    }
  }
  gauge('pipeline_streamer_metrics_up', '1 when the status could read what the streamer waits for (its /waits)').set(
    r.streamer.ok ? 1 : 0,
  );
  if (r.streamer.ok) {
    const waiting = gauge(
      'pipeline_streamer_dependency_waiting',
      'Partitions of this group the streamer says wait for this dependency',
      ['group', 'dependency'],
    );
    // One series per group and dependency: what it answered is free text, for the status command only.
    for (const w of r.streamer.waiting) waiting.inc({ group: w.groupId, dependency: w.dependency }, w.partitions);
  }
  if (r.clamps.ok && r.clamps.total !== null)
    gauge(
      'pipeline_product_metrics_clamped',
      'Counter deltas clamped at zero, summed over product_metrics (drift: must stay 0)',
    ).set(r.clamps.total);
  if (r.reconcile.ok && r.reconcile.last) {
    const l = r.reconcile.last;
    gauge('pipeline_reconcile_last_checked', 'Products the last reconcile checked').set(l.checked);
    gauge('pipeline_reconcile_last_differing', 'Products the last reconcile found different from the source').set(
      l.differing,
    );
    gauge('pipeline_reconcile_last_finished_seconds', 'When the last reconcile check was recorded (Unix seconds)').set(
      Date.parse(l.finishedAt) / 1000,
    );
  }
  if (r.deadLetters.ok) {
    const waiting = gauge('pipeline_dead_letters_waiting', "Dead letters with status 'new', by group and topic", [
      'group',
      'topic',
    ]);
    for (const d of r.deadLetters.items) waiting.set({ group: d.groupId, topic: d.topic }, d.waiting);
  }
  return registry.metrics();
}
