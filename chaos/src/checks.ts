import { cacheDrift, metricsDrift, queryDb, type CacheDrift, type CollectedRecord, type Counters } from '@outbox/e2e';
import { ODD_DEAD_LETTER_SQL, ODD_MARKER } from './hostile';

/** One committed outbox row of the run, with the time PostgreSQL committed it. */
export interface CommittedEvent {
  id: string;
  topic: string;
  aggregateId: string;
  type: string;
  committedAt: Date;
}

export interface CheckResults {
  lost: CommittedEvent[];
  drift: { productId: string; truth: Counters; applied: Counters }[];
  deadLetters: { group: string; topic: string; offset: string; eventId: string | null; error: string }[];
  /** Pairs of one aggregate's events whose Kafka or apply order contradicts their commit order. */
  outOfOrder: { aggregateId: string; where: string; earlier: string; later: string }[];
  /** Records delivered to Kafka more than once (Connect replays after a crash), absorbed by the inbox. */
  duplicateRecords: number;
  /**
   * Counter deltas clamped at zero (a decrement that found nothing to take from: drift hidden).
   * `column`: the run's products whose product_metrics.clamped is not zero, or undefined when the
   * column does not exist; `metric`: streamer_metric_clamped_total summed over the run's streamer
   * processes, or undefined when the streamer does not export it.
   */
  clamps: { column: { productId: string; clamped: string }[] | undefined; metric: number | undefined };
  /** Products whose cached copy in Redis differs from the row (an invalidation missed or undone). */
  staleCache: CacheDrift[];
}

/** The run's products with clamped deltas in product_metrics.clamped; undefined when there is no such column. */
async function clampedProducts(productIds: string[]): Promise<{ productId: string; clamped: string }[] | undefined> {
  const [column] = await queryDb<{ n: string }>(
    'streamer',
    `SELECT count(*) AS n FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'product_metrics' AND column_name = 'clamped'`,
  );
  if (Number(column?.n ?? 0) === 0) return undefined;
  const rows = await queryDb<{ product_id: string; clamped: string }>(
    'streamer',
    `SELECT product_id::text, clamped::text FROM product_metrics
     WHERE product_id = ANY($1::uuid[]) AND clamped IS NOT NULL AND clamped::text NOT IN ('0', 'false')`,
    [productIds],
  );
  return rows.map((r) => ({ productId: r.product_id, clamped: r.clamped }));
}

/** Every guarantee held (the lists are empty, nothing was clamped). */
export function allHeld(c: CheckResults, capture: { exactlyOnce: boolean } = { exactlyOnce: false }): boolean {
  return (
    // With exactly-once capture (KIP-618) a record written twice is a broken guarantee, not a replay.
    (!capture.exactlyOnce || c.duplicateRecords === 0) &&
    c.lost.length === 0 &&
    c.drift.length === 0 &&
    c.deadLetters.length === 0 &&
    c.outOfOrder.length === 0 &&
    (c.clamps.column ?? []).length === 0 &&
    (c.clamps.metric ?? 0) === 0 &&
    c.staleCache.length === 0
  );
}

/** Every outbox row committed since the run started, with its commit time (track_commit_timestamp). */
export async function committedEvents(since: Date): Promise<CommittedEvent[]> {
  const [setting] = await queryDb<{ track_commit_timestamp: string }>('commerce', 'SHOW track_commit_timestamp');
  if (setting?.track_commit_timestamp !== 'on')
    throw new Error(
      'the commit-order check needs track_commit_timestamp=on (the native stack and docker-compose.yml set it; restart PostgreSQL: npm run stack:down && npm run stack:up)',
    );
  const rows = await queryDb<{
    id: string;
    aggregatetype: string;
    aggregateid: string;
    type: string;
    committed_at: Date;
  }>(
    'commerce',
    `SELECT id::text, aggregatetype, aggregateid, type, pg_xact_commit_timestamp(xmin) AS committed_at
     FROM outbox WHERE created_at >= $1 ORDER BY committed_at, ctid`,
    [since],
  );
  return rows.map((r) => ({
    id: r.id,
    topic: `${r.aggregatetype}-events`,
    aggregateId: r.aggregateid,
    type: r.type,
    committedAt: r.committed_at,
  }));
}

/** When each group's inbox recorded each event (the transaction that applied its effect). */
async function appliedAt(groups: string[], eventIds: string[]): Promise<Map<string, Map<string, Date>>> {
  const rows = await queryDb<{ consumer_group: string; event_id: string; handled_at: Date }>(
    'streamer',
    'SELECT consumer_group, event_id::text, handled_at FROM event_handled WHERE consumer_group = ANY($1) AND event_id = ANY($2::uuid[])',
    [groups, eventIds],
  );
  const byGroup = new Map(groups.map((g) => [g, new Map<string, Date>()]));
  for (const r of rows) byGroup.get(r.consumer_group)?.set(r.event_id, r.handled_at);
  return byGroup;
}

/**
 * PostgreSQL takes a commit's timestamp just before it writes the commit record, so two
 * commits closer than this can carry swapped timestamps; they are not compared.
 */
const COMMIT_CLOCK_TOLERANCE_MS = 100;

/**
 * Per aggregate: (1) its records reached Kafka in commit order: the first delivery of each
 * event, by offset, agrees with PostgreSQL's commit timestamps; (2) each group applied them
 * in that order: the inbox's apply times never go backwards along the partition order.
 */
export function orderViolations(
  events: CommittedEvent[],
  firstOffset: Map<string, bigint>,
  applied: Map<string, Map<string, Date>>,
): CheckResults['outOfOrder'] {
  const violations: CheckResults['outOfOrder'] = [];
  const byAggregate = new Map<string, CommittedEvent[]>();
  for (const e of events)
    if (firstOffset.has(e.id)) byAggregate.set(e.aggregateId, [...(byAggregate.get(e.aggregateId) ?? []), e]);
  for (const [aggregateId, list] of byAggregate) {
    const inKafkaOrder = [...list].sort((a, b) =>
      Number((firstOffset.get(a.id) ?? 0n) - (firstOffset.get(b.id) ?? 0n)),
    );
    inKafkaOrder.forEach((later, i) => {
      const contradicted = inKafkaOrder
        .slice(0, i)
        .find((earlier) => earlier.committedAt.getTime() - later.committedAt.getTime() > COMMIT_CLOCK_TOLERANCE_MS);
      if (contradicted)
        violations.push({ aggregateId, where: 'kafka vs commit', earlier: contradicted.id, later: later.id });
    });
    for (const [group, at] of applied) {
      let previous: { id: string; time: number } | undefined;
      for (const event of inKafkaOrder) {
        const time = at.get(event.id)?.getTime();
        if (time === undefined) continue; // not an event this group acts on
        if (previous && time < previous.time)
          violations.push({ aggregateId, where: `applied by ${group}`, earlier: previous.id, later: event.id });
        previous = { id: event.id, time };
      }
    }
  }
  return violations;
}

/**
 * docs/guarantees.md: no loss, counters equal the ground truth, nothing valid in the DLQ, commit order
 * kept, nothing clamped, no stale product in the cache.
 */
export async function checkGuarantees(o: {
  since: Date;
  productIds: string[];
  groups: string[];
  records: CollectedRecord[];
  /** streamer_metric_clamped_total over the run's streamer processes (undefined: not exported). */
  clampMetric: number | undefined;
}): Promise<CheckResults> {
  const events = await committedEvents(o.since);
  const firstOffset = new Map<string, bigint>();
  const seen = new Set<string>();
  let duplicateRecords = 0;
  for (const r of o.records) {
    const id = r.headers.id;
    if (!id || r.headers[ODD_MARKER] !== undefined) continue; // the hostile producer's records are checked apart
    if (seen.has(`${r.topic}/${id}`)) duplicateRecords += 1;
    else {
      seen.add(`${r.topic}/${id}`);
      firstOffset.set(id, BigInt(r.offset));
    }
  }
  const lost = events.filter((e) => !seen.has(`${e.topic}/${e.id}`));
  const drift = await metricsDrift(o.productIds);
  const deadLetters = (
    await queryDb<{ consumer_group: string; topic: string; offset: string; event_id: string | null; error: string }>(
      'streamer',
      `SELECT consumer_group, topic, "offset"::text, event_id::text, error FROM dead_letter
       WHERE consumer_group = ANY($1) AND NOT (${ODD_DEAD_LETTER_SQL}) ORDER BY id`,
      [o.groups],
    )
  ).map((r) => ({ group: r.consumer_group, topic: r.topic, offset: r.offset, eventId: r.event_id, error: r.error }));
  const applied = await appliedAt(
    o.groups,
    events.map((e) => e.id),
  );
  return {
    lost,
    drift,
    deadLetters,
    outOfOrder: orderViolations(events, firstOffset, applied),
    duplicateRecords,
    clamps: { column: await clampedProducts(o.productIds), metric: o.clampMetric },
    staleCache: await cacheDrift(o.productIds),
  };
}
