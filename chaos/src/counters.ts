/**
 * Counters of the streamer processes of a run. A process's counters die with it, so they are
 * read from each streamer just before it is killed or stopped, and from the survivors at the end.
 */
export class StreamerCounters {
  /** Redeliveries the inbox skipped (streamer_events_duplicate_total). */
  duplicatesSkipped = 0;
  /** Counter deltas clamped at zero (streamer_metric_clamped_total); undefined while no streamer exports it. */
  clamped: number | undefined;

  /** Adds what the streamer at `url` has counted so far (nothing when it does not answer). */
  async collect(url: string | undefined): Promise<void> {
    if (!url) return;
    const text = await fetch(`${url}/metrics`)
      .then((r) => (r.ok ? r.text() : ''))
      .catch(() => '');
    this.duplicatesSkipped += sumOf(text, 'streamer_events_duplicate_total') ?? 0;
    const clamped = sumOf(text, 'streamer_metric_clamped_total');
    if (clamped !== undefined) this.clamped = (this.clamped ?? 0) + clamped;
  }
}

/**
 * The sum of a counter over its label sets in a Prometheus text page: 0 when it is declared
 * without samples yet, undefined when the page does not export it at all.
 */
export function sumOf(text: string, name: string): number | undefined {
  const lines = text.split('\n');
  const samples = lines
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => Number(line.split(' ').pop()));
  if (samples.length === 0 && !lines.some((line) => line.startsWith(`# TYPE ${name} `))) return undefined;
  return samples.reduce((a, b) => a + b, 0);
}
