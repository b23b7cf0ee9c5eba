import { randomUUID } from 'node:crypto';
import { preparePipeline, startStreamer } from '@outbox/e2e';
import {
  eventually,
  OtlpReceiver,
  startGroupsAtEnd,
  startService,
  uniqueName,
  type ReceivedSpan,
  type ServiceProcess,
} from '@outbox/e2e';

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/**
 * docs/operations.md: one trace from the HTTP request to the effect. The api and the streamer run as
 * processes exporting OTLP to a receiver in this test; the trace context crosses Postgres
 * (outbox.tracingspancontext) and Kafka (the `traceparent` header Debezium adds).
 */
describe('tracing', () => {
  let receiver: OtlpReceiver;
  let api: ServiceProcess;
  let streamer: ServiceProcess;
  const groups = { METRICS_GROUP_ID: uniqueName('trace-metrics'), CACHE_GROUP_ID: uniqueName('trace-cache') };

  beforeAll(async () => {
    await preparePipeline();
    receiver = await OtlpReceiver.start();
    await startGroupsAtEnd(Object.values(groups));
    streamer = await startStreamer({ ...groups, ...receiver.exporterEnv() });
    api = await startService('api', { STREAMER_URL: streamer.url, ...receiver.exporterEnv() });
  });
  afterAll(async () => {
    await api?.kill('SIGTERM');
    await streamer?.kill('SIGTERM');
    await receiver?.close();
  });

  it('continues the caller trace from the HTTP request through the outbox and Kafka to the consumer effect', async () => {
    // The caller's own trace: the api must continue it, not start a new one.
    const traceId = randomUUID().replaceAll('-', '');
    const traceparent = `00-${traceId}-${randomUUID().replaceAll('-', '').slice(0, 16)}-01`;
    const created = await fetch(`${api.url}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'traced', price: 10, stock: 5 }),
    });
    const productId = ((await created.json()) as { id: string }).id;
    const liked = await fetch(`${api.url}/products/${productId}/likes`, {
      method: 'POST',
      headers: { 'x-member-id': 'tracer', traceparent },
    });
    expect(liked.status).toBe(201);

    const ofTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    const consumer = await eventually(
      'the metrics group to export a consumer span of the like',
      async () =>
        ofTrace().find(
          (s) =>
            s.kind === CONSUMER &&
            s.attributes['messaging.consumer.group.name'] === groups.METRICS_GROUP_ID &&
            s.attributes['event.outcome'] === 'applied',
        ),
      60_000,
    );

    const http = ofTrace().find((s) => s.kind === SERVER);
    const outbox = ofTrace().find((s) => s.kind === PRODUCER);
    expect(http).toMatchObject({ service: 'commerce-api', name: 'POST /products/:id/likes' });
    expect(outbox).toMatchObject({ service: 'commerce-api', parentSpanId: http?.spanId });
    expect(consumer).toMatchObject({ service: 'streamer', parentSpanId: outbox?.spanId });
    expect(consumer.attributes).toMatchObject({
      'messaging.destination.name': 'catalog-events',
      'event.type': 'PRODUCT_LIKED',
      'event.aggregate_id': productId,
    });
    // The cache group continues the same trace independently.
    await eventually('the cache group to export its span too', async () =>
      ofTrace().find(
        (s) => s.kind === CONSUMER && s.attributes['messaging.consumer.group.name'] === groups.CACHE_GROUP_ID,
      ),
    );
  });
});
