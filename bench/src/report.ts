import { FIGURE_NAMES } from './figures';
import type { BenchResults } from './results';
import type { TargetResult } from './targets';

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

/** The console report: each figure with its unit, then the ratios, then the SPEC section 9 targets. */
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
  lines.push('', 'SPEC section 9 targets');
  for (const t of results.targets) {
    lines.push(
      `  ${verdict(t).padEnd(12)} ${t.measure} = ${show(t.value)} ${t.unit} (target ${targetText(t)}): ${t.description}`,
    );
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
  lines.push('', '| SPEC section 9 target | measured | target | |', '| --- | ---: | --- | --- |');
  for (const t of results.targets) {
    lines.push(
      `| ${t.description} (\`${t.measure}\`) | ${show(t.value)} ${t.unit} | ${targetText(t)} | ${verdict(t)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
