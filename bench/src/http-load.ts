import autocannon from 'autocannon';

export interface HttpLoad {
  url: string;
  connections: number;
  durationS: number;
  method: 'POST' | 'DELETE' | 'GET';
  /** The path of request number n (0, 1, 2, ...). */
  pathOf: (n: number) => string;
  /** Headers of request number n. */
  headersOf?: (n: number) => Record<string, string>;
}

/** autocannon, in-process, closed loop: a counter gives every request its own path and headers. */
export function runHttpLoad(load: HttpLoad): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.durationS,
    requests: [
      {
        method: load.method,
        setupRequest: (request) => {
          const i = n++;
          return { ...request, path: load.pathOf(i), headers: { ...request.headers, ...load.headersOf?.(i) } };
        },
      },
    ],
  });
}
