/** Pure helpers for the figures: percentiles, summaries and rates. */

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The p-th percentile (0..100) of the values by the nearest-rank method: the smallest value
 * such that at least p% of the values are at or below it. Throws on an empty list.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return percentileOfSorted(sorted, p);
}

function percentileOfSorted(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Count, min, mean, p50, p95, p99 and max of the values (sorted once). */
export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) throw new RangeError('summary of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, v) => total + v, 0);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    mean: sum / sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1] as number,
  };
}

/** Events per second for `count` events over `elapsedMs`; throws unless elapsedMs is positive. */
export function ratePerSecond(count: number, elapsedMs: number): number {
  if (!(elapsedMs > 0)) throw new RangeError(`elapsed time must be positive, got ${elapsedMs} ms`);
  return (count * 1000) / elapsedMs;
}

/** a / b, or undefined when either side is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return a / b;
}

/** Rounds to a number of significant digits suitable for a report (keeps integers above 1000 whole). */
export function roundForReport(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  if (Math.abs(value) >= 1000) return Math.round(value);
  return Number(value.toPrecision(3));
}
