import {
  judge,
  STATUS_COMPONENTS,
  STATUS_REASON_COMPONENTS,
  type StatusFacts,
  type StatusReasonCode,
  type StatusReport,
  type StatusThresholds,
} from '@outbox/ops';
import { renderOverview } from '../src/render';

const limits: StatusThresholds = {
  maxSlotLagBytes: 256 * 1024 * 1024,
  maxConsumerLag: 10_000,
  maxOutboxAgeSeconds: 8 * 86_400,
  maxStallSeconds: 60,
};

/** The facts of a healthy pipeline, as the status collector reads them. */
function healthyFacts(): StatusFacts {
  const partitions = [0, 1, 2].map((partition) => ({ partition, low: 0, high: 100 }));
  return {
    checkedAt: '2026-11-27T00:00:00.000Z',
    connector: {
      ok: true,
      name: 'commerce-outbox',
      state: 'RUNNING',
      workerId: 'w:8083',
      tasks: [{ id: 0, state: 'RUNNING', workerId: 'w:8083' }],
    },
    replicationSlot: {
      ok: true,
      slotName: 'commerce_outbox',
      exists: true,
      active: true,
      lagBytes: 1024,
      retainedBytes: 4096,
    },
    outbox: { ok: true, rows: 300, sizeBytes: 65536, oldestAgeSeconds: 3600 },
    topics: { ok: true, items: [{ topic: 'catalog-events', missing: false, partitions, records: 300 }] },
    groups: {
      ok: true,
      items: [
        {
          groupId: 'metrics',
          role: 'metrics',
          state: 'Stable',
          members: 1,
          lag: 0,
          topics: [
            {
              topic: 'catalog-events',
              lag: 0,
              partitions: partitions.map((p) => ({
                partition: p.partition,
                committed: 100,
                high: 100,
                lag: 0,
                committedAt: '2026-11-26T23:59:00.000Z',
                committedAgeSeconds: 60,
              })),
            },
          ],
        },
      ],
    },
    deadLetters: { ok: true, items: [], waiting: 0 },
    streamer: { ok: true, url: 'http://127.0.0.1:3001', waiting: [] },
    clamps: { ok: true, total: 0 },
  };
}

/** The state class of each hop of the rendered diagram, by its data-hop id. */
function hopStates(report: StatusReport): Record<string, string> {
  const html = renderOverview(report, undefined, [], 15 * 60_000);
  return Object.fromEntries(
    [...html.matchAll(/<div class="hop (\w+)" data-hop="(\w+)">/g)].map(([, state, hop]) => [hop, state]),
  );
}

const healthyHops = {
  api: 'unknown',
  outbox: 'ok',
  slot: 'ok',
  connect: 'ok',
  topics: 'ok',
  groups: 'ok',
  effects: 'ok',
};

/** The pipeline diagram is coloured from the reasons' components, never from their wording. */
describe('console overview', () => {
  it('draws one hop per status component, all fine when healthy', () => {
    const report = judge(healthyFacts(), limits);
    expect(Object.keys(hopStates(report))).toEqual([...STATUS_COMPONENTS]);
    expect(hopStates(report)).toEqual(healthyHops);
  });

  it('colours only the slot for an inactive replication slot, though its words name the outbox', () => {
    const facts = healthyFacts();
    if (!facts.replicationSlot.ok) throw new Error('fixture has a slot');
    facts.replicationSlot.active = false;
    const report = judge(facts, limits);
    expect(report.findings).toEqual([
      {
        component: 'slot',
        code: 'SLOT_INACTIVE',
        text: 'replication slot commerce_outbox is inactive: nothing reads the outbox WAL',
      },
    ]);
    expect(hopStates(report)).toEqual({ ...healthyHops, slot: 'bad' });
    expect(renderOverview(report, undefined, [], 60_000)).toContain(
      '<li data-hop="slot" data-code="SLOT_INACTIVE">replication slot commerce_outbox is inactive: nothing reads the outbox WAL</li>',
    );
  });

  it('colours exactly the hop of each reason code, whatever its text says', () => {
    const healthy = judge(healthyFacts(), limits);
    for (const [code, component] of Object.entries(STATUS_REASON_COMPONENTS)) {
      const report: StatusReport = {
        ...healthy,
        verdict: 'degraded',
        // Words of every other hop: they must not matter.
        reasons: ['outbox slot connector topic consumer group lag stalled dlq'],
        findings: [
          {
            component,
            code: code as StatusReasonCode,
            text: 'outbox slot connector topic consumer group lag stalled dlq',
          },
        ],
      };
      expect({ code, hops: hopStates(report) }).toEqual({ code, hops: { ...healthyHops, [component]: 'bad' } });
    }
  });

  it('keeps a hop whose facts are unreadable red even when its reason belongs to another hop', () => {
    // Commerce PostgreSQL down: one reason (the slot's), and the outbox cannot be read either.
    const facts = healthyFacts();
    facts.replicationSlot = { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:5432' };
    facts.outbox = { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:5432' };
    const report = judge(facts, limits);
    expect(report.findings.map((f) => [f.component, f.code])).toEqual([['slot', 'COMMERCE_DB_UNREACHABLE']]);
    expect(hopStates(report)).toEqual({ ...healthyHops, outbox: 'bad', slot: 'bad' });
  });
});
