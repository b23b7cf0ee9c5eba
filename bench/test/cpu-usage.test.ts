import { measureCpu } from '../src/cpu-usage';

describe('CPU by process during a scenario (/proc)', () => {
  it('charges a busy scenario to the bench process and sums the machine', async () => {
    const spin = () => {
      const until = Date.now() + 400;
      let n = 0;
      while (Date.now() < until) n += Math.sqrt(n + 1);
      return Promise.resolve(n);
    };
    const { result, cpu } = await measureCpu(spin);
    expect(result).toBeGreaterThan(0);
    expect(cpu.wallS).toBeGreaterThanOrEqual(0.4);
    const bench = cpu.processes.find((p) => p.role.startsWith('bench'));
    // One core spun for the whole window; a loaded machine gives it less, never nothing.
    expect(bench?.cores).toBeGreaterThan(0.1);
    expect(bench?.cores).toBeLessThanOrEqual(1.1);
    expect(cpu.totalCores).toBeGreaterThanOrEqual(bench?.cores ?? 0);
    expect(cpu.processes.map((p) => p.cores)).toEqual([...cpu.processes.map((p) => p.cores)].sort((a, b) => b - a));
  });
});
