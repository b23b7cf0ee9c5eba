/** The figures the benchmark measures: each a value with its unit, plus what a reader must know. */

export const FIGURE_NAMES = [
  'api_write_rps',
  'api_write_p99_ms',
  'pgbench_tps',
  'capture_eps',
  'capture_p50_latency_ms',
  'capture_drain_eps',
  'polling_eps',
  'polling_p50_latency_ms',
  'e2e_offered_rps',
  'e2e_achieved_rps',
  'e2e_latency_p50_ms',
  'e2e_latency_p95_ms',
  'e2e_latency_p99_ms',
  'e2e_capture_p50_ms',
  'e2e_capture_p99_ms',
  'e2e_apply_p50_ms',
  'e2e_apply_p99_ms',
  'streamer_batch_eps',
  'streamer_single_eps',
  'reconcile_products_per_s',
  'reconcile_rss_peak_mib',
  'reconcile_e2e_p99_alone_ms',
  'reconcile_e2e_p99_during_ms',
  'reconcile_e2e_p99_at_rate_ms',
] as const;

export type FigureName = (typeof FIGURE_NAMES)[number];

export interface Figure {
  value: number;
  unit: string;
  /** How it was measured (sample size, duration, caveats). */
  note?: string;
}

export type Figures = Partial<Record<FigureName, Figure>>;

export function figure(value: number, unit: string, note?: string): Figure {
  return note === undefined ? { value, unit } : { value, unit, note };
}
