import {
  EXAMPLE_THRESHOLDS,
  exampleHealthyFacts as healthyFacts,
  judge,
  STATUS_COMPONENTS,
  STATUS_REASON_COMPONENTS,
  type StatusReasonCode,
  type StatusReport,
} from '@outbox/ops';
import { renderOverview } from '../src/render';

const limits = EXAMPLE_THRESHOLDS;

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
