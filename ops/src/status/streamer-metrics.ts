import type { StreamerMetricsReport } from './report';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescape = (v: string): string => v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** The samples of a Prometheus text exposition (comments and malformed lines skipped). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key ?? ''] = unescape(value ?? '');
    const value = Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1] ?? '', labels, value });
  }
  return samples;
}

/**
 * Scrapes the streamer's /metrics: which configured group waits for which dependency
 * (streamer_dependency_waiting{group,dependency}: how many of the group's partitions wait, > 0).
 * Throws when the streamer does not answer; the collector turns that into an unreachable probe.
 */
export async function readStreamerMetrics(
  url: string,
  groupIds: string[],
  timeoutMs = 2_000,
): Promise<StreamerMetricsReport> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}/metrics answered ${res.status}`);
  const waiting = new Map<string, { groupId: string; dependency: string; partitions: number }>();
  for (const s of parsePrometheusText(await res.text())) {
    if (s.name !== 'streamer_dependency_waiting' || !(s.value > 0)) continue;
    const groupId = s.labels.group ?? '';
    const dependency = s.labels.dependency ?? 'unknown';
    if (!groupIds.includes(groupId)) continue;
    const key = `${groupId}\u0000${dependency}`;
    const w = waiting.get(key) ?? { groupId, dependency, partitions: 0 };
    w.partitions += s.value;
    waiting.set(key, w);
  }
  return { url, waiting: [...waiting.values()] };
}
