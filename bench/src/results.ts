import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from './context';
import type { CpuUsage } from './cpu-usage';
import { FIGURE_NAMES, type Figures } from './figures';
import type { GitInfo, MachineInfo } from './machine';
import type { ProfileEntry } from './profile-summary';
import type { CurvePoint } from './scenarios/e2e-latency';
import { roundForReport } from './stats';
import type { RatioResult, TargetResult } from './thresholds';

/** Everything one run produced: bench/results/latest.json. */
export interface BenchResults {
  date: string;
  git: GitInfo;
  machine: MachineInfo;
  settings: Omit<BenchOptions, 'log'> & { scenarios: string[] };
  figures: Figures;
  ratios: RatioResult[];
  targets: TargetResult[];
  /** End-to-end latency at each offered rate of the curve, in the order run (ascending). */
  latencyCurve?: CurvePoint[];
  /** CPU per process of the stack during each scenario (cores), busiest first. */
  cpu?: Record<string, CpuUsage>;
  /** With --cpu-profile: where each service process spent its CPU time (self time per package). */
  profiles?: { file: string; byPackage: ProfileEntry[] }[];
}

/** Figures and ratios rounded for people; the order of FIGURE_NAMES. */
export function roundedResults(results: BenchResults): BenchResults {
  const figures: Figures = {};
  for (const name of FIGURE_NAMES) {
    const f = results.figures[name];
    if (f) figures[name] = { ...f, value: roundForReport(f.value) };
  }
  const round = (v: number | undefined) => (v === undefined ? undefined : roundForReport(v));
  return {
    ...results,
    figures,
    ratios: results.ratios.map((r) => ({ ...r, value: round(r.value) })),
    targets: results.targets.map((t) => ({ ...t, value: round(t.value) })),
    ...(results.latencyCurve === undefined
      ? {}
      : {
          latencyCurve: results.latencyCurve.map((p) => ({
            ...p,
            achievedRps: roundForReport(p.achievedRps),
            p50Ms: roundForReport(p.p50Ms),
            p95Ms: roundForReport(p.p95Ms),
            p99Ms: roundForReport(p.p99Ms),
            maxMs: roundForReport(p.maxMs),
          })),
        }),
  };
}

export interface WrittenFiles {
  json: string;
  markdown: string;
  svg: string;
}

/** The JSON as the repository's prettier check wants it (short arrays on one line). */
async function formatJson(value: unknown, file: string): Promise<string> {
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(value, null, 2), { ...config, parser: 'json' });
}

export async function writeResults(
  dir: string,
  results: BenchResults,
  markdown: string,
  svg: string,
  name = 'latest',
): Promise<WrittenFiles> {
  mkdirSync(dir, { recursive: true });
  const files = { json: join(dir, `${name}.json`), markdown: join(dir, `${name}.md`), svg: join(dir, `${name}.svg`) };
  writeFileSync(files.json, await formatJson(results, files.json));
  writeFileSync(files.markdown, markdown);
  writeFileSync(files.svg, svg);
  return files;
}
