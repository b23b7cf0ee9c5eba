import type { FigureName } from './figures';
import type { BenchResults } from './results';

interface Panel {
  title: string;
  /** The ratio shown under the title (a name in thresholds.ts RATIOS). */
  ratio?: string;
  unit: string;
  bars: { label: string; figure: FigureName }[];
  /** A target line, where the target is an absolute value. */
  target?: { value: number; label: string };
}

const PANELS: Panel[] = [
  {
    title: 'Capture path vs polling publisher',
    ratio: 'capture_eps / polling_eps',
    unit: 'events/s',
    bars: [
      { label: 'Debezium capture', figure: 'capture_eps' },
      { label: 'polling 1 s / 100 rows', figure: 'polling_eps' },
    ],
    target: { value: 25_000, label: 'target ≥ 25,000' },
  },
  {
    title: 'Streamer: batch vs one event per transaction',
    ratio: 'streamer_batch_eps / streamer_single_eps',
    unit: 'events/s',
    bars: [
      { label: 'batch', figure: 'streamer_batch_eps' },
      { label: 'single', figure: 'streamer_single_eps' },
    ],
    target: { value: 10_000, label: 'target ≥ 10,000' },
  },
  {
    title: 'API write path vs pgbench (same SQL statement)',
    ratio: 'api_write_rps / pgbench_tps',
    unit: 'transactions/s',
    bars: [
      { label: 'api (HTTP likes)', figure: 'api_write_rps' },
      { label: 'pgbench', figure: 'pgbench_tps' },
    ],
  },
  {
    title: 'End-to-end latency at the target rate (api commit to metrics row)',
    unit: 'ms',
    bars: [
      { label: 'p50', figure: 'e2e_latency_p50_ms' },
      { label: 'p95', figure: 'e2e_latency_p95_ms' },
      { label: 'p99', figure: 'e2e_latency_p99_ms' },
    ],
    target: { value: 300, label: 'p99 target < 300' },
  },
];

function subtitle(panel: Panel, results: BenchResults): string {
  if (panel.ratio) {
    const ratio = results.ratios.find((r) => r.name === panel.ratio)?.value;
    const target = results.targets.find((t) => t.measure === panel.ratio);
    const verdict = target?.met === undefined ? '' : target.met ? ', met' : ', MISSED';
    return ratio === undefined
      ? 'ratio not measured'
      : `ratio ${ratio}x (target ≥ ${target?.threshold ?? '?'}x${verdict})`;
  }
  const offered = results.figures.e2e_offered_rps?.value;
  const achieved = results.figures.e2e_achieved_rps?.value;
  return offered === undefined ? 'not measured' : `${offered}/s offered, ${achieved ?? '?'}/s achieved`;
}

function panelSpec(panel: Panel, results: BenchResults): Record<string, unknown> {
  const figures = results.figures;
  const values = panel.bars.flatMap((b) => {
    const value = figures[b.figure]?.value;
    return value === undefined ? [] : [{ label: b.label, value }];
  });
  const x = { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } };
  const layers: Record<string, unknown>[] = [
    {
      data: { values },
      mark: { type: 'bar', color: '#4c78a8' },
      encoding: { x, y: { field: 'value', type: 'quantitative', title: panel.unit } },
    },
    {
      data: { values },
      mark: { type: 'text', dy: -6, fontSize: 12 },
      encoding: { x, y: { field: 'value', type: 'quantitative' }, text: { field: 'value', format: ',.0f' } },
    },
  ];
  if (panel.target) {
    const target = [{ value: panel.target.value, label: panel.target.label }];
    layers.push(
      {
        data: { values: target },
        mark: { type: 'rule', color: '#e45756', strokeDash: [6, 4], strokeWidth: 2 },
        encoding: { y: { field: 'value', type: 'quantitative' } },
      },
      {
        data: { values: target },
        mark: { type: 'text', color: '#e45756', align: 'right', dy: -6, x: 'width' },
        encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  const title = { text: panel.title, subtitle: subtitle(panel, results) };
  if (values.length === 0) {
    return {
      title,
      width: 300,
      height: 220,
      mark: { type: 'text', fontSize: 14 },
      encoding: { text: { value: 'not measured' } },
    };
  }
  return { title, width: 300, height: 220, layer: layers };
}

/** p50 and p99 at each offered rate, the achieved rate written above each p99 point. */
function curvePanel(results: BenchResults): Record<string, unknown> {
  const curve = results.latencyCurve ?? [];
  const title = {
    text: 'End-to-end latency vs offered rate (views through the api)',
    subtitle: 'one run, one step per rate; the achieved rate above each p99 point',
  };
  if (curve.length === 0) {
    return {
      title,
      width: 640,
      height: 260,
      mark: { type: 'text', fontSize: 14 },
      encoding: { text: { value: 'not measured' } },
    };
  }
  const values = curve.flatMap((p) => [
    { offered: p.offeredRps, percentile: 'p50', ms: p.p50Ms, label: '' },
    {
      offered: p.offeredRps,
      percentile: 'p99',
      ms: p.p99Ms,
      label: `${Math.round(p.achievedRps).toLocaleString('en-US')}/s achieved`,
    },
  ]);
  const maxOffered = Math.max(...curve.map((p) => p.offeredRps));
  const x = {
    field: 'offered',
    type: 'quantitative',
    title: 'offered views/s',
    scale: { domain: [0, maxOffered * 1.1] },
    axis: { values: curve.map((p) => p.offeredRps) },
  };
  const y = { field: 'ms', type: 'quantitative', title: 'ms (api commit to metrics row)' };
  const color = {
    field: 'percentile',
    type: 'nominal',
    title: null,
    scale: { range: ['#4c78a8', '#f58518'] },
    legend: { orient: 'top-left' },
  };
  const target = [{ ms: 300, label: 'p99 target < 300 ms at 1,000/s offered' }];
  return {
    title,
    width: 640,
    height: 260,
    layer: [
      { data: { values }, mark: { type: 'line', point: true }, encoding: { x, y, color } },
      {
        data: { values },
        transform: [{ filter: "datum.percentile === 'p99'" }],
        mark: { type: 'text', dy: -10, fontSize: 11 },
        encoding: { x, y, text: { field: 'label' } },
      },
      {
        data: { values: target },
        mark: { type: 'rule', color: '#e45756', strokeDash: [6, 4], strokeWidth: 2 },
        encoding: { y: { field: 'ms', type: 'quantitative' } },
      },
      {
        data: { values: target },
        mark: { type: 'text', color: '#e45756', align: 'right', dy: 12, x: 'width' },
        encoding: { y: { field: 'ms', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}

/** The vega-lite spec: one panel per comparison, targets as dashed red lines, then the latency curve. */
export function chartSpec(results: BenchResults): Record<string, unknown> {
  const m = results.machine;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'outbox-pipeline benchmark',
      subtitle: `${results.date.slice(0, 10)}, ${m.cores} cores (${m.cpuModel}), all servers on one machine; commit ${results.git.commit.slice(0, 10)}`,
    },
    vconcat: [{ columns: 2, concat: PANELS.map((p) => panelSpec(p, results)) }, curvePanel(results)],
    resolve: { legend: { color: 'independent' } },
    config: { view: { stroke: null }, background: 'white' },
  };
}

/** Renders the chart to SVG headlessly (vega's SVG renderer needs no canvas or browser). */
export async function renderChartSvg(results: BenchResults): Promise<string> {
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const compiled = vegaLite.compile(chartSpec(results) as unknown as Parameters<typeof vegaLite.compile>[0]);
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return `${svg}\n`;
}
