import { orderViolations, type CommittedEvent } from '../src/checks';

/** The commit-order check must be able to fail: synthetic histories with one reordering each. */
describe('commit order check', () => {
  const event = (id: string, committedAtMs: number): CommittedEvent => ({
    id,
    topic: 'catalog-events',
    aggregateId: 'p-1',
    type: 'PRODUCT_LIKED',
    committedAt: new Date(committedAtMs),
  });
  const events = [event('a', 1_000), event('b', 2_000), event('c', 3_000)];
  const offsets = (order: string[]) => new Map(order.map((id, i) => [id, BigInt(i)]));
  const appliedAt = (times: Record<string, number>) =>
    new Map([['metrics', new Map(Object.entries(times).map(([id, t]) => [id, new Date(t)]))]]);

  it('accepts a history delivered and applied in commit order, replays included', () => {
    expect(orderViolations(events, offsets(['a', 'b', 'c']), appliedAt({ a: 10, b: 10, c: 20 }))).toEqual([]);
  });

  it('reports a later commit that reached Kafka first', () => {
    expect(orderViolations(events, offsets(['b', 'a', 'c']), appliedAt({}))).toEqual([
      { aggregateId: 'p-1', where: 'kafka vs commit', earlier: 'b', later: 'a' },
    ]);
  });

  it('does not compare commits closer than the commit clock tolerance', () => {
    const close = [event('a', 1_000), event('b', 1_050)];
    expect(orderViolations(close, offsets(['b', 'a']), appliedAt({}))).toEqual([]);
  });

  it('reports an event applied by an earlier transaction than its predecessor', () => {
    expect(orderViolations(events, offsets(['a', 'b', 'c']), appliedAt({ a: 10, b: 30, c: 20 }))).toEqual([
      { aggregateId: 'p-1', where: 'applied by metrics', earlier: 'b', later: 'c' },
    ]);
  });
});
