import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommerceClient } from '@outbox/db';
import { parse } from 'yaml';
import { createApiMetrics, registerOutboxGauges } from '@outbox/api';
import { createStreamerMetrics } from '@outbox/streamer';
import { exampleHealthyFacts as healthyFacts, judge, statusAsPrometheus } from '../src';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string };
}

const rules = (
  parse(readFileSync(join(__dirname, '..', 'prometheus', 'alerts.yml'), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  }
).groups.flatMap((g) => g.rules);

/** Every metric name the pipeline exports: api, streamer, and the status textfile. */
async function exportedMetricNames(): Promise<Set<string>> {
  const api = createApiMetrics();
  registerOutboxGauges(api, {} as CommerceClient, 'slot'); // collect() is never called here
  const streamer = createStreamerMetrics();
  const names = new Set([
    ...api.registry.getMetricsAsArray().map((m) => m.name),
    ...streamer.registry.getMetricsAsArray().map((m) => m.name),
  ]);
  const status = await statusAsPrometheus(
    judge(healthyFacts(), { maxSlotLagBytes: 1, maxConsumerLag: 1, maxOutboxAgeSeconds: 1, maxStallSeconds: 1 }),
  );
  for (const line of status.split('\n')) if (line.startsWith('# TYPE ')) names.add(line.split(' ')[2] ?? '');
  return names;
}

describe('alert rules (ops/prometheus/alerts.yml)', () => {
  it('covers slot lag, a failed connector task, consumer lag, DLQ growth, stalls, dependency waits and clamps', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'OutboxReplicationSlotLagHigh',
        'OutboxConnectorTaskFailed',
        'ConsumerLagHigh',
        'DeadLettersGrowing',
        'StreamerPartitionStalled',
        'ConsumerPartitionStalled',
        'StreamerWaitingForDependency',
        'StreamerCounterClamped',
        'ProductMetricsClamped',
      ]),
    );
  });

  it('every rule has a severity and a summary, and queries only metrics the pipeline exports', async () => {
    const exported = await exportedMetricNames();
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: ['warning', 'critical'].includes(rule.labels.severity) }).toEqual({
        alert: rule.alert,
        severity: true,
      });
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      const used = rule.expr.match(/\b(?:outbox|pipeline|streamer)_[a-z_]+\b/g) ?? [];
      expect(used.length).toBeGreaterThan(0);
      expect({ alert: rule.alert, unknown: used.filter((name) => !exported.has(name)) }).toEqual({
        alert: rule.alert,
        unknown: [],
      });
    }
  });
});
