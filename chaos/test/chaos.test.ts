import { FAULT_TARGETS, runChaos, summarize, type FaultTarget } from '../src';

jest.setTimeout(900_000);

/**
 * Every fault but the registry outage: the streamer and the api cache their schemas, so a
 * short one exercises nothing here (the full run has it), and the registry takes ~20 s to start.
 */
const TARGETS = FAULT_TARGETS.filter((t): t is Exclude<FaultTarget, 'registry'> => t !== 'registry');

/**
 * The short chaos run (the full one is `npm run chaos`): every process is killed once with
 * SIGKILL under load, PostgreSQL is restarted, Redis is stopped for 20 s (long enough for a
 * streamer that parks on transient errors to park), a second streamer joins and leaves the
 * groups twice; afterwards every guarantee (docs/guarantees.md) must hold, nothing was clamped, and no
 * product in the cache is stale.
 */
describe('chaos (short)', () => {
  it('loses nothing, applies nothing twice, parks nothing, keeps commit order and the cache fresh under kills and dependency faults', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      seed: 20261127,
      durationMs: 20_000,
      products: 8,
      members: 40,
      concurrency: 4,
      faultEveryMs: [2_000, 4_000],
      downtimeMs: [1_000, 2_000],
      outageMs: 20_000,
      holdMs: 12_000,
      stormCycles: 2,
      stormMemberMs: [2_000, 3_000],
      targets: [...TARGETS],
      oddEveryMs: [500, 1_500],
      log: (line) => lines.push(line),
    });
    // On failure the summary lists the products and events that differ.
    if (!report.passed) console.error(`${lines.join('\n')}\n${summarize(report)}`);
    expect(report.faults.map((f) => f.target).sort()).toEqual([...TARGETS].sort());
    expect(report.eventsWritten).toBeGreaterThan(100);
    expect(report.checks.lost).toEqual([]);
    expect(report.checks.drift).toEqual([]);
    expect(report.checks.deadLetters).toEqual([]);
    expect(report.checks.outOfOrder).toEqual([]);
    expect(report.checks.clamps.column ?? []).toEqual([]);
    expect(report.checks.clamps.metric ?? 0).toBe(0);
    expect(report.checks.staleCache).toEqual([]);
    // The hostile producer's odd records: each parked once by each group that reads its topic.
    expect(report.hostile.written).toBeGreaterThan(5);
    expect(report.hostile.missing).toEqual([]);
    expect(report.hostile.parkedTwice).toBe(0);
    expect(report.hostile.notCopied).toEqual([]);
    // The projection broken by hand: reconcile names exactly those products and repairs them.
    expect(report.corruption.found).toEqual(report.corruption.corrupted);
    expect(report.corruption).toMatchObject({ verifyExit: 1, repaired: 3, afterRepair: 0 });
    expect(report.passed).toBe(true);
  });
});
