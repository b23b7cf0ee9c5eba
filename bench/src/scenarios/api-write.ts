import type { BenchContext } from '../context';
import { figure, type Figures } from '../figures';
import { createLoadProduct } from '@outbox/e2e';
import { runHttpLoad } from '../http-load';
import { startBenchService, stopBenchService } from '../child-processes';

/**
 * The api write path: POST /products/:id/likes through the real api (a child process) at a
 * fixed number of connections, every request from a new member, so each one is a real insert
 * of a like and its outbox row in one transaction. Rate = 2xx responses / duration.
 */
export async function runApiWrite(ctx: BenchContext): Promise<Figures> {
  const { connections, durationS, log } = ctx.options;
  const api = await startBenchService('api', {}, ctx.options);
  try {
    const productId = await createLoadProduct(api.url, `bench-${ctx.runId}-likes`);
    const load = (seconds: number, prefix: string) =>
      runHttpLoad({
        url: api.url,
        connections,
        durationS: seconds,
        method: 'POST',
        pathOf: () => `/products/${productId}/likes`,
        headersOf: (n) => ({ 'x-member-id': `bench-${ctx.runId}-${prefix}-${n}` }),
      });
    log(`api write: warm-up 3 s, then ${durationS} s at ${connections} connections`);
    await load(3, 'warm');
    const result = await load(durationS, 'run');
    const created = result.statusCodeStats?.['201']?.count ?? 0;
    if (result.non2xx > 0 || result.errors > 0 || created !== result['2xx']) {
      throw new Error(
        `api write: ${result.non2xx} non-2xx, ${result.errors} errors, ${result['2xx'] - created} not new likes`,
      );
    }
    log(`api write: ${created} likes in ${result.duration} s, latency p50 ${result.latency.p50} ms`);
    const note = `POST /products/:id/likes, ${connections} connections, ${durationS} s (after a 3 s warm-up), a new member per request, LOG_LEVEL=warn`;
    return {
      api_write_rps: figure(created / result.duration, 'requests/s', note),
      api_write_p99_ms: figure(result.latency.p99, 'ms', `response latency at ${connections} connections`),
    };
  } finally {
    await stopBenchService(api);
  }
}
