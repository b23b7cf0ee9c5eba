import { z } from 'zod';
import type { StreamerWaitsReport } from './report';

/** The body of the streamer's GET /waits. */
const waitsBody = z.object({
  waits: z.array(
    z.object({
      group: z.string(),
      dependency: z.string(),
      reason: z.string(),
      partitions: z.number(),
      since: z.string(),
    }),
  ),
});

/**
 * Asks the streamer what its partitions wait for (GET /waits): per group, the dependency, what
 * it answered, how many partitions wait and since when; only the configured groups are kept.
 * Throws when the streamer does not answer; the collector turns that into an unreachable probe.
 */
export async function readStreamerWaits(
  url: string,
  groupIds: string[],
  timeoutMs = 2_000,
): Promise<StreamerWaitsReport> {
  const res = await fetch(`${url}/waits`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}/waits answered ${res.status}`);
  const { waits } = waitsBody.parse(await res.json());
  const waiting = waits
    .filter((w) => groupIds.includes(w.group) && w.partitions > 0)
    .map(({ group, ...wait }) => ({ groupId: group, ...wait }));
  return { url, waiting };
}
