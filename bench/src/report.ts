import { FIGURE_NAMES } from './figures';
import type { CpuUsage } from './cpu-usage';
import type { BenchResults } from './results';
import type { CurvePoint } from './scenarios/e2e-latency';
import type { TargetResult } from './thresholds';

function show(value: number | undefined): string {
  if (value === undefined) return 'not measured';
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : String(value);
}

function verdict(t: TargetResult): string {
  if (t.met === undefined) return 'not measured';
  return t.met ? 'met' : t.note ? `MISSED (${t.note})` : 'MISSED';
}

function targetText(t: TargetResult): string {
  return `${t.comparison === '<' ? '<' : '≥'} ${show(t.threshold)} ${t.unit}`;
}

/** The console report: each figure with its unit, then the ratios, then the performance targets. */
export function consoleReport(results: BenchResults): string {
  const lines: string[] = ['', 'figures'];
  const width = Math.max(...FIGURE_NAMES.map((n) => n.length));
  for (const name of FIGURE_NAMES) {
    const f = results.figures[name];
    if (f) lines.push(`  ${name.padEnd(width)}  ${show(f.value).padStart(10)} ${f.unit}`);
  }
  lines.push('', 'ratios');
  const ratioWidth = Math.max(...results.ratios.map((r) => r.name.length));
  for (const r of results.ratios) lines.push(`  ${r.name.padEnd(ratioWidth)}  ${show(r.value).padStart(10)} x`);
  lines.push('', 'performance targets');
  for (const t of results.targets) {
    lines.push(
      `  ${verdict(t).padEnd(12)} ${t.measure} = ${show(t.value)} ${t.unit} (target ${targetText(t)}): ${t.description}`,
    );
  }
  if (results.latencyCurve) {
    lines.push('', 'end-to-end latency curve (views through the api, ms)');
    for (const p of results.latencyCurve) {
      lines.push(
        `  ${`${show(p.offeredRps)}/s offered`.padEnd(18)} ${`${show(p.achievedRps)}/s achieved`.padEnd(20)} p50 ${show(p.p50Ms)}  p99 ${show(p.p99Ms)}  (${show(p.events)} events, ${show(p.skipped)} skipped, ${show(p.non2xx)} non-2xx)`,
      );
    }
  }
  if (results.cpu) {
    lines.push('', 'CPU by process (cores; the machine has ' + String(results.machine.cores) + ')');
    for (const [scenario, usage] of Object.entries(results.cpu))
      lines.push(`  ${scenario.padEnd(10)} ${cpuLine(usage)}`);
    for (const p of results.latencyCurve ?? [])
      if (p.cpu) lines.push(`  e2e @ ${`${show(p.offeredRps)}/s`.padEnd(8)} ${cpuLine(p.cpu)}`);
  }
  for (const p of results.profiles ?? []) {
    lines.push('', `CPU profile ${p.file} (self time by package)`);
    for (const e of p.byPackage) lines.push(`  ${String(e.selfPercent).padStart(5)}%  ${e.name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The markdown table for the README: figures with units and notes, then targets. */
export function markdownReport(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    `Benchmark of ${results.date.slice(0, 10)} at ${results.git.commit.slice(0, 10)}${results.git.dirty ? ' (uncommitted changes)' : ''}: ` +
      `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, every server on the same machine; ` +
      `Node ${m.node}, PostgreSQL ${m.postgres}, Kafka ${m.kafka}, Debezium ${m.debezium}.`,
    '',
    '| figure | value | unit | how |',
    '| --- | ---: | --- | --- |',
  ];
  for (const name of FIGURE_NAMES) {
    const f = results.figures[name];
    if (f) lines.push(`| \`${name}\` | ${show(f.value)} | ${f.unit} | ${(f.note ?? '').replaceAll('|', '\\|')} |`);
  }
  if (results.latencyCurve) lines.push('', ...curveTable(results.latencyCurve));
  const cpu = cpuTable(results);
  if (cpu.length > 0) lines.push('', ...cpu);
  lines.push('', '| performance target | measured | target | |', '| --- | ---: | --- | --- |');
  for (const t of results.targets) {
    lines.push(
      `| ${t.description} (\`${t.measure}\`) | ${show(t.value)} ${t.unit} | ${targetText(t)} | ${verdict(t)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function cpuLine(usage: CpuUsage): string {
  return `${usage.totalCores} in all: ${usage.processes.map((p) => `${p.role} ${p.cores}`).join(', ')}`;
}

/** CPU per process as a markdown table: one row per scenario and per step of the latency curve. */
export function cpuTable(results: BenchResults): string[] {
  const rows: [string, CpuUsage][] = Object.entries(results.cpu ?? {});
  for (const p of results.latencyCurve ?? []) if (p.cpu) rows.push([`e2e at ${show(p.offeredRps)}/s offered`, p.cpu]);
  if (rows.length === 0) return [];
  return [
    `| scenario | cores used (of ${results.machine.cores}) | by process (cores) |`,
    '| --- | ---: | --- |',
    ...rows.map(
      ([name, usage]) =>
        `| ${name} | ${usage.totalCores} | ${usage.processes.map((p) => `${p.role} ${p.cores}`).join(', ')} |`,
    ),
  ];
}

/** The latency curve as a markdown table: one row per offered rate. */
export function curveTable(curve: readonly CurvePoint[]): string[] {
  return [
    '| offered (views/s) | achieved (views/s) | e2e p50 (ms) | e2e p99 (ms) | events | skipped, non-2xx, errors |',
    '| ---: | ---: | ---: | ---: | ---: | --- |',
    ...curve.map(
      (p) =>
        `| ${show(p.offeredRps)} | ${show(p.achievedRps)} | ${show(p.p50Ms)} | ${show(p.p99Ms)} | ${show(p.events)} | ${show(p.skipped)}, ${show(p.non2xx)}, ${show(p.errors)} |`,
    ),
  ];
}
