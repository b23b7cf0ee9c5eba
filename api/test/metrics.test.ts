import { applyConnector } from '@outbox/connect';
import { stack } from '@outbox/e2e';
import { createProduct, http, member, startTestApi, type TestApi } from './support';

/** GET /metrics: Prometheus text with the request, outbox and capture-path metrics (docs/operations.md). */
describe('api metrics', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    await applyConnector(stack);
  });
  afterAll(() => api.close());

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${api.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };
  const sample = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('counts requests by route and status, and outbox rows by event type', async () => {
    const likeRoute =
      'http_request_duration_seconds_count{method="POST",route="/products/:id/likes",status_code="201"}';
    const liked = 'outbox_events_written_total{event_type="PRODUCT_LIKED"}';
    const before = await scrape();
    const productId = await createProduct(api);
    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('metrics-1') });
    await http(api, 'POST', `/products/${productId}/likes`, { headers: member('metrics-2') });
    const after = await scrape();
    expect((sample(after, likeRoute) ?? 0) - (sample(before, likeRoute) ?? 0)).toBe(2);
    expect((sample(after, liked) ?? 0) - (sample(before, liked) ?? 0)).toBe(2);
  });

  it('exports the replication slot lag and the outbox age, read from PostgreSQL at scrape time', async () => {
    const text = await scrape();
    const slot = api.config.outboxSlotName;
    expect(sample(text, `outbox_replication_slot_exists{slot="${slot}"}`)).toBe(1);
    expect(sample(text, `outbox_replication_slot_active{slot="${slot}"}`)).toBe(1);
    expect(sample(text, `outbox_replication_slot_lag_bytes{slot="${slot}"}`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'outbox_oldest_row_age_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'outbox_rows')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'outbox_health_read_errors_total')).toBe(0);
  });
});
