import { seededRandom } from '@outbox/e2e';

export interface ReaderReport {
  reads: number;
  /** Reads the api answered from Redis (X-Cache: HIT). */
  hits: number;
  byStatus: Record<string, number>;
  transportErrors: number;
}

/**
 * Readers of GET /products/:id next to the workload: they fill the api's product cache
 * (cache-aside), so the cache-invalidation group has keys to drop and the end check has
 * cached copies to compare with the database. The workload itself only writes.
 */
export async function runReaders(o: {
  apiUrl: () => string;
  productIds: string[];
  concurrency: number;
  seed: number;
  shouldStop: () => boolean;
}): Promise<ReaderReport> {
  const random = seededRandom(o.seed);
  const report: ReaderReport = { reads: 0, hits: 0, byStatus: {}, transportErrors: 0 };
  const reader = async (): Promise<void> => {
    while (!o.shouldStop()) {
      const id = o.productIds[Math.floor(random() * o.productIds.length)];
      report.reads += 1;
      try {
        const res = await fetch(`${o.apiUrl()}/products/${id}`);
        await res.arrayBuffer();
        report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
        if (res.headers.get('x-cache') === 'HIT') report.hits += 1;
      } catch {
        report.transportErrors += 1;
        await new Promise((resolve) => setTimeout(resolve, 100)); // the api is down
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, reader));
  return report;
}
