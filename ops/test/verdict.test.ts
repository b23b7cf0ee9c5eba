import { judge, renderStatus, statusAsPrometheus, type StatusThresholds } from '../src';
import { healthyFacts } from './fixtures';

const limits: StatusThresholds = {
  maxSlotLagBytes: 256 * 1024 * 1024,
  maxConsumerLag: 10_000,
  maxOutboxAgeSeconds: 8 * 86_400,
};

/** The verdict rules, one part of the pipeline at a time (the real-stack cases are in status.test.ts). */
describe('status verdict', () => {
  it('is healthy with no reason when every part is up and caught up', () => {
    const report = judge(healthyFacts(), limits);
    expect([report.verdict, report.reasons]).toEqual(['healthy', []]);
    expect(renderStatus(report).split('\n')[0]).toBe('HEALTHY');
  });

  it('names the slot lag beyond the limit, and an inactive slot', () => {
    const facts = healthyFacts();
    facts.replicationSlot = {
      ok: true,
      slotName: 's',
      exists: true,
      active: false,
      lagBytes: 300 * 1024 * 1024,
      retainedBytes: 0,
    };
    expect(judge(facts, limits).reasons).toEqual([
      'replication slot s is inactive: nothing reads the outbox WAL',
      'replication slot s lags 300.0 MiB (limit 256 MiB)',
    ]);
  });

  it('tolerates a burst of lag while the group has members, not beyond the limit', () => {
    const facts = healthyFacts();
    const group = facts.groups.ok ? facts.groups.items[0] : undefined;
    if (!group) throw new Error('fixture has a group');
    group.lag = 10_000;
    expect(judge(facts, limits).verdict).toBe('healthy');
    group.lag = 10_001;
    expect(judge(facts, limits).reasons).toEqual(['consumer group metrics lags 10001 records (limit 10000)']);
  });

  it('calls an outbox older than the retention a cleanup that is not keeping up', () => {
    const facts = healthyFacts();
    facts.outbox = { ok: true, rows: 1, sizeBytes: 1, oldestAgeSeconds: 9 * 86_400 };
    expect(judge(facts, limits).reasons).toEqual(['outbox cleanup is not keeping up: oldest row is 216.0 h old']);
  });

  it('reports an unreachable source as degraded, with the cause, without hiding the others', () => {
    const facts = healthyFacts();
    facts.connector = { ok: false, error: 'fetch failed' };
    facts.topics = { ok: false, error: 'Connection error: ECONNREFUSED' };
    facts.groups = { ok: false, error: 'kafka unreachable' };
    const report = judge(facts, limits);
    expect(report.reasons).toEqual([
      'kafka connect unreachable: fetch failed',
      'kafka unreachable: Connection error: ECONNREFUSED',
    ]);
    expect(renderStatus(report)).toContain('DEGRADED: kafka connect unreachable: fetch failed');
  });

  it('exports the verdict and the parts as Prometheus gauges', async () => {
    const facts = healthyFacts();
    facts.deadLetters = { ok: true, items: [{ groupId: 'metrics', topic: 'catalog-events', waiting: 3 }], waiting: 3 };
    const text = await statusAsPrometheus(judge(facts, limits));
    expect(text).toContain('pipeline_status_healthy 0');
    expect(text).toContain('pipeline_dead_letters_waiting{group="metrics",topic="catalog-events"} 3');
    expect(text).toContain('pipeline_connector_tasks{connector="commerce-outbox",state="FAILED"} 0');
    expect(text).toContain('pipeline_consumer_group_members{group="metrics"} 1');
  });
});
