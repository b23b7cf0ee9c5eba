/**
 * A seeded, mixed workload through the api over HTTP: likes, unlikes, views, orders and
 * payments spread over many products and members. The same seed makes the same choices,
 * so a failing run can be repeated.
 */
export interface WorkloadOptions {
  apiUrl: string;
  productIds: string[];
  members: number;
  operations: number;
  concurrency: number;
  seed: number;
  /** Stop early when this returns true (e.g. a chaos run's deadline). */
  shouldStop?: () => boolean;
}

export interface WorkloadReport {
  operations: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
  /** Requests that failed at the transport level (the api was down). */
  transportErrors: number;
}

/** mulberry32: a tiny, good-enough seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runWorkload(o: WorkloadOptions): Promise<WorkloadReport> {
  const random = seededRandom(o.seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const report: WorkloadReport = { operations: 0, byKind: {}, byStatus: {}, transportErrors: 0 };
  const pendingOrders: string[] = [];
  let next = 0;

  const call = async (
    kind: string,
    method: string,
    path: string,
    member: string,
    body?: unknown,
  ): Promise<Record<string, unknown> | undefined> => {
    report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
    try {
      const res = await fetch(`${o.apiUrl}${path}`, {
        method,
        headers: { 'x-member-id': member, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
      const text = await res.text();
      return res.ok && text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      // The api is down (a chaos run kills it): back off a little instead of spinning.
      report.transportErrors += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return undefined;
    }
  };

  const step = async (): Promise<void> => {
    const roll = random();
    const product = pick(o.productIds);
    const member = `member-${Math.floor(random() * o.members)}`;
    if (roll < 0.3) await call('like', 'POST', `/products/${product}/likes`, member);
    else if (roll < 0.45) await call('unlike', 'DELETE', `/products/${product}/likes`, member);
    else if (roll < 0.75) await call('view', 'POST', `/products/${product}/views`, member);
    else if (roll < 0.9 || pendingOrders.length === 0) {
      const second = pick(o.productIds);
      const items =
        second === product
          ? [{ productId: product, quantity: 1 + Math.floor(random() * 3) }]
          : [
              { productId: product, quantity: 1 + Math.floor(random() * 3) },
              { productId: second, quantity: 1 },
            ];
      const order = await call('order', 'POST', '/orders', member, { items });
      if (typeof order?.id === 'string') pendingOrders.push(order.id);
    } else {
      const orderId = pendingOrders.splice(Math.floor(random() * pendingOrders.length), 1)[0] as string;
      const failed = random() < 0.5;
      await call(
        failed ? 'payment-failed' : 'payment-completed',
        'POST',
        `/orders/${orderId}/payment`,
        member,
        failed ? { result: 'failed', reason: 'declined' } : { result: 'completed' },
      );
    }
  };

  const worker = async (): Promise<void> => {
    while (next < o.operations && !(o.shouldStop?.() ?? false)) {
      next += 1;
      await step();
      report.operations += 1;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return report;
}
