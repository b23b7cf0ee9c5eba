import { randomUUID } from 'node:crypto';
import { eventually, preparePipeline, startApi, type ServiceProcess } from '@outbox/e2e';

type Line = { msg?: string; req?: { url?: string } };

/**
 * Probes and scrapes come every few seconds (the console samples /metrics every 5 s): the api
 * runs as a process at `info` here and its stdout is read, as an operator would.
 */
describe('api access log', () => {
  let api: ServiceProcess | undefined;
  beforeAll(async () => {
    await preparePipeline();
    // Its /ready is polled until it answers 200: those requests must not be logged either.
    api = await startApi({ LOG_LEVEL: 'info' });
  });
  afterAll(() => api?.kill('SIGTERM'));

  it('has no line for /health, /ready and /metrics, and the request lines of any other route', async () => {
    const s = api as ServiceProcess;
    for (let round = 0; round < 3; round++) {
      for (const path of ['/metrics', '/health', '/ready']) {
        const res = await fetch(`${s.url}${path}`);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        await res.arrayBuffer();
      }
    }
    const product = `/products/${randomUUID()}`;
    expect((await fetch(`${s.url}${product}`)).status).toBe(404);

    const lines = await eventually('the request lines of GET /products/:id', async () => {
      const parsed = s
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line);
      return parsed.some((l) => l.msg === 'request completed') ? parsed : undefined;
    });
    expect(lines.filter((l) => l.msg === 'incoming request').map((l) => l.req?.url)).toEqual([product]);
    expect(lines.filter((l) => l.msg === 'request completed')).toHaveLength(1);
  });
});
