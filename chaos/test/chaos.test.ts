import { FAULT_TARGETS, runChaos, summarize } from '../src';

jest.setTimeout(900_000);

/**
 * The short chaos run (the full one is `npm run chaos`): every component is killed once
 * with SIGKILL under load, and the guarantees of SPEC 5 must all hold afterwards.
 */
describe('chaos (short)', () => {
  it('loses nothing, applies nothing twice, parks nothing and keeps commit order while components are killed', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      seed: 20261127,
      durationMs: 20_000,
      products: 8,
      members: 40,
      concurrency: 4,
      faultEveryMs: [2_000, 4_000],
      downtimeMs: [1_000, 2_000],
      targets: [...FAULT_TARGETS],
      log: (line) => lines.push(line),
    });
    // On failure the summary lists the products and events that differ.
    if (!report.passed) console.error(`${lines.join('\n')}\n${summarize(report)}`);
    expect(report.faults.map((f) => f.target).sort()).toEqual([...FAULT_TARGETS].sort());
    expect(report.eventsWritten).toBeGreaterThan(100);
    expect(report.checks.lost).toEqual([]);
    expect(report.checks.drift).toEqual([]);
    expect(report.checks.deadLetters).toEqual([]);
    expect(report.checks.outOfOrder).toEqual([]);
    expect(report.passed).toBe(true);
  });
});
