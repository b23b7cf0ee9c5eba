import { Agent, request } from 'node:http';

export interface OpenLoadOptions {
  url: string;
  ratePerS: number;
  durationS: number;
  /** Requests allowed in flight at once; a request due while the limit is reached is skipped (counted). */
  maxInFlight: number;
  method: 'POST';
  pathOf: (n: number) => string;
  headersOf?: (n: number) => Record<string, string>;
}

export interface OpenLoadResult {
  /** Requests due on the schedule, sent, answered 2xx, answered otherwise, failed, and skipped. */
  scheduled: number;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  skipped: number;
  /** From the first request to the last answer, seconds. */
  elapsedS: number;
}

/**
 * An open-loop load: request n is due at start + n / rate, whatever the answers do (a closed
 * loop would slow down with the server and hide its queueing). Keep-alive connections.
 */
export async function runOpenLoad(o: OpenLoadOptions): Promise<OpenLoadResult> {
  const target = new URL(o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.maxInFlight });
  const result: OpenLoadResult = { scheduled: 0, sent: 0, ok: 0, non2xx: 0, errors: 0, skipped: 0, elapsedS: 0 };
  const total = Math.round(o.ratePerS * o.durationS);
  let inFlight = 0;
  let lastAnswerAt = Date.now();
  const start = Date.now();

  const send = (n: number): void => {
    inFlight += 1;
    result.sent += 1;
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: o.method,
        path: o.pathOf(n),
        agent,
        headers: { ...o.headersOf?.(n) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          inFlight -= 1;
          lastAnswerAt = Date.now();
          if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) result.ok += 1;
          else result.non2xx += 1;
        });
      },
    );
    req.on('error', () => {
      inFlight -= 1;
      result.errors += 1;
    });
    req.end();
  };

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - start) * o.ratePerS) / 1000));
      while (result.scheduled < due) {
        const n = result.scheduled++;
        if (inFlight >= o.maxInFlight) result.skipped += 1;
        else send(n);
      }
      if (result.scheduled >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  agent.destroy();
  result.elapsedS = (lastAnswerAt - start) / 1000;
  return result;
}
