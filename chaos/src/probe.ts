import { currentLsn, eventually, queryDb, waitCaptured } from '@outbox/e2e';

export interface ProbeTimes {
  /** When the probe's events were in Kafka (the slot confirmed them). */
  capturedAt: number;
  /** When every probe event had reached its effect in its group (or was parked, which the DLQ check reports). */
  appliedAt: number;
}

/**
 * The probe: after each fault, new events written through the api on a product of its own
 * (a view, for the metrics group; an order of one unit, whose STOCK_DECREASED both groups act
 * on: a sale and a stock change), followed until each group has
 * applied them. Its times are the run's recovery and catch-up times.
 */
export class Probe {
  constructor(
    private readonly apiUrl: () => string,
    private readonly productId: string,
    private readonly groups: { metrics: string; cacheInvalidation: string },
  ) {}

  async run(timeoutMs = 300_000): Promise<ProbeTimes> {
    const since = await eventually('PostgreSQL to answer', () => this.dbNow(), timeoutMs);
    await this.write('a probe view', 'POST', `/products/${this.productId}/views`, undefined, timeoutMs);
    const order = await this.write(
      'a probe order',
      'POST',
      '/orders',
      { items: [{ productId: this.productId, quantity: 1 }] },
      timeoutMs,
    );
    await waitCaptured(await currentLsn(), timeoutMs);
    const capturedAt = Date.now();
    if (typeof order.id !== 'string')
      throw new Error(`the api answered an order without an id: ${JSON.stringify(order)}`);
    const expected = await this.expectedEffects(since);
    await eventually(
      `the probe's ${expected.length} events to reach their effect`,
      async () => ((await this.pending(expected)) === 0 ? true : undefined),
      timeoutMs,
    );
    return { capturedAt, appliedAt: Date.now() };
  }

  private async dbNow(): Promise<Date | undefined> {
    return (await queryDb<{ now: Date }>('commerce', 'SELECT now() AS now'))[0]?.now;
  }

  /** Retries until the api accepts (it may be down, or its database); a lost response may write twice, which is fine. */
  private async write(
    what: string,
    method: string,
    path: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<Record<string, unknown>> {
    return eventually(
      `${what} to be accepted by the api`,
      async () => {
        const res = await fetch(`${this.apiUrl()}${path}`, {
          method,
          headers: {
            'x-member-id': 'chaos-probe',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        }).catch(() => undefined);
        if (!res?.ok) return undefined;
        const text = await res.text();
        return text ? (JSON.parse(text) as Record<string, unknown>) : {};
      },
      timeoutMs,
    );
  }

  /** Which group must apply which of the probe's events written since `since`. */
  private async expectedEffects(since: Date): Promise<{ group: string; id: string }[]> {
    const rows = await queryDb<{ id: string; type: string }>(
      'commerce',
      `SELECT id::text, type FROM outbox
       WHERE created_at >= $1 AND aggregateid = $2 AND type IN ('PRODUCT_VIEWED', 'STOCK_DECREASED')`,
      [since, this.productId],
    );
    return rows.flatMap((r) =>
      r.type === 'STOCK_DECREASED'
        ? [
            { group: this.groups.metrics, id: r.id },
            { group: this.groups.cacheInvalidation, id: r.id },
          ]
        : [{ group: this.groups.metrics, id: r.id }],
    );
  }

  /** Effects not there yet: neither in the group's inbox (applied) nor in its DLQ (parked). */
  private async pending(expected: { group: string; id: string }[]): Promise<number> {
    const [row] = await queryDb<{ n: string }>(
      'streamer',
      `SELECT count(*) AS n FROM unnest($1::text[], $2::uuid[]) AS e(consumer_group, event_id)
       WHERE NOT EXISTS (SELECT 1 FROM event_handled h WHERE h.consumer_group = e.consumer_group AND h.event_id = e.event_id)
         AND NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.consumer_group = e.consumer_group AND d.event_id::text = e.event_id::text)`,
      [expected.map((e) => e.group), expected.map((e) => e.id)],
    );
    return Number(row?.n ?? 0);
  }
}
