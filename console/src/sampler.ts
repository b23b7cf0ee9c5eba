import { pipelineStatus, type StatusConfig, type StatusReport } from '@outbox/ops';
import { Client } from 'pg';

/** One reading of the pipeline: cumulative counters (rates are differences) and lag per group. */
export interface Sample {
  at: number;
  /** Rows ever inserted into the outbox (pg_stat_user_tables.n_tup_ins), null when unreadable. */
  written: number | null;
  /** Sum of the end offsets of the pipeline topics (what Debezium captured into Kafka). */
  captured: number | null;
  /** Per group: sum of its committed offsets (applied and committed) and its lag. */
  groups: Record<string, { applied: number; lag: number }>;
}

export interface Point {
  at: number;
  value: number;
}

/**
 * Reads the pipeline through the status collector every interval (one source of truth), keeps
 * the last 15 minutes in memory and the latest report for the page.
 */
export class Sampler {
  private samples: Sample[] = [];
  private latest: StatusReport | undefined;
  private latestError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly config: StatusConfig,
    private readonly intervalMs: number,
    private readonly windowMs: number,
  ) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.sampleOnce().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  report(): { report: StatusReport | undefined; error: string | undefined } {
    return { report: this.latest, error: this.latestError };
  }

  history(): Sample[] {
    return this.samples;
  }

  /** Reads once now (also used to refresh the page on demand). */
  async sampleOnce(): Promise<void> {
    try {
      const [report, written] = await Promise.all([pipelineStatus(this.config), outboxInserts(this.config)]);
      this.latest = report;
      this.latestError = undefined;
      this.samples.push(sampleOf(this.config, report, written));
      const oldest = Date.now() - this.windowMs;
      while (this.samples.length > 0 && (this.samples[0]?.at ?? 0) < oldest) this.samples.shift();
    } catch (err) {
      this.latestError = err instanceof Error ? err.message : String(err);
    }
  }
}

function sampleOf(config: StatusConfig, report: StatusReport, written: number | null): Sample {
  const pipelineTopics = new Set([...config.topics.metrics, ...config.topics.cacheInvalidation]);
  const captured = report.topics.ok
    ? report.topics.items
        .filter((t) => pipelineTopics.has(t.topic) && !t.missing)
        .reduce((sum, t) => sum + t.partitions.reduce((s, p) => s + p.high, 0), 0)
    : null;
  const groups: Sample['groups'] = {};
  if (report.groups.ok)
    for (const g of report.groups.items)
      groups[g.groupId] = {
        // What the group has consumed and committed: the end offsets minus its lag.
        applied: g.topics.reduce((sum, t) => sum + t.partitions.reduce((s, p) => s + (p.high - p.lag), 0), 0),
        lag: g.lag,
      };
  return { at: Date.parse(report.checkedAt), written, captured, groups };
}

async function outboxInserts(config: StatusConfig): Promise<number | null> {
  const db = new Client({ connectionString: config.commerceDatabaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await db.connect();
    const { rows } = await db.query<{ n: string }>(
      "SELECT n_tup_ins::text AS n FROM pg_stat_user_tables WHERE relname = 'outbox'",
    );
    return rows[0] ? Number(rows[0].n) : null;
  } catch {
    return null;
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** Per-second rates between consecutive samples (a counter that went back, a restart, counts 0). */
export function ratesOf(samples: Sample[], pick: (s: Sample) => number | null | undefined): Point[] {
  const points: Point[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as Sample;
    const b = samples[i] as Sample;
    const va = pick(a);
    const vb = pick(b);
    if (va == null || vb == null || b.at <= a.at) continue;
    points.push({ at: b.at, value: Math.max(0, (vb - va) / ((b.at - a.at) / 1000)) });
  }
  return points;
}

export function seriesOf(samples: Sample[], pick: (s: Sample) => number | null | undefined): Point[] {
  return samples.flatMap((s) => {
    const v = pick(s);
    return v == null ? [] : [{ at: s.at, value: v }];
  });
}
