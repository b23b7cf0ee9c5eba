/** Where a running api answers: a TestApi, a ServiceProcess or a plain base URL. */
export type ApiTarget = { url: string } | string;

const baseUrlOf = (target: ApiTarget): string => (typeof target === 'string' ? target : target.url);

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** JSON over HTTP, as a client would send it. */
export async function http<T = Record<string, unknown>>(
  api: ApiTarget,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const response = await fetch(`${baseUrlOf(api)}${path}`, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

/** The header that names the member behind a like, view or order. */
export const member = (id: string): Record<string, string> => ({ 'x-member-id': id });

/** A product created through the api itself (so its PRODUCT_CREATED event flows too). */
export async function createProduct(api: ApiTarget, stock = 10, price = 1500, name = 'Test product'): Promise<string> {
  const res = await http<{ id: string }>(api, 'POST', '/products', { body: { name, price, stock } });
  if (res.status !== 201) throw new Error(`creating a product failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** A product for load runs (chaos, bench, the cluster proof): stock enough that no order is refused. */
export function createLoadProduct(api: ApiTarget, name: string): Promise<string> {
  return createProduct(api, 1_000_000, 1_000, name);
}
