import { messageOf } from '@outbox/config';
import type { CommerceClient } from '@outbox/db';
import type { ProductMetricsView } from '@outbox/events';
import { ApiError } from '../errors';

/**
 * Reads the streamer's product_metrics through the streamer's own read endpoint: the api
 * never touches the streamer's tables.
 */
export class MetricsReader {
  constructor(
    private readonly db: CommerceClient,
    private readonly streamerUrl: string,
    private readonly timeoutMs = 2000,
  ) {}

  private async get(path: string): Promise<Response> {
    try {
      return await fetch(`${this.streamerUrl}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new ApiError('DEPENDENCY_UNAVAILABLE', `the streamer does not answer (${messageOf(err)})`);
    }
  }

  async productMetrics(productId: string): Promise<ProductMetricsView> {
    const exists = await this.db.product.findUnique({ where: { id: productId }, select: { id: true } });
    if (!exists) throw new ApiError('PRODUCT_NOT_FOUND', `product ${productId} does not exist`, { productId });
    const response = await this.get(`/product-metrics/${productId}`);
    // A product no event has reached yet has no row: its counters are zero.
    if (response.status === 404) return { productId, likes: 0, views: 0, sales: 0, updatedAt: null };
    if (!response.ok) throw new ApiError('DEPENDENCY_UNAVAILABLE', `the streamer answered HTTP ${response.status}`);
    return (await response.json()) as ProductMetricsView;
  }

  async rankings(by: string, limit: number): Promise<{ by: string; items: ProductMetricsView[] }> {
    const response = await this.get(`/rankings?by=${encodeURIComponent(by)}&limit=${limit}`);
    if (!response.ok) throw new ApiError('DEPENDENCY_UNAVAILABLE', `the streamer answered HTTP ${response.status}`);
    return (await response.json()) as { by: string; items: ProductMetricsView[] };
  }
}
