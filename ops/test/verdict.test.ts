import {
  EXAMPLE_THRESHOLDS,
  exampleHealthyFacts as healthyFacts,
  judge,
  parseCommittedAt,
  renderStatus,
  STATUS_COMPONENTS,
  STATUS_REASON_COMPONENTS,
  statusAsPrometheus,
  type PartitionLag,
  type StatusFacts,
  waitingSince,
} from '../src';

const limits = EXAMPLE_THRESHOLDS;

/** The verdict rules, one part of the pipeline at a time (the real-stack cases are in status.test.ts). */
describe('status verdict', () => {
  it('is healthy with no reason when every part is up and caught up', () => {
    const report = judge(healthyFacts(), limits);
    expect([report.verdict, report.reasons]).toEqual(['healthy', []]);
    expect(renderStatus(report).split('\n')[0]).toBe('HEALTHY');
  });

  it('names the slot lag beyond the limit, and an inactive slot', () => {
    const facts = healthyFacts();
    facts.replicationSlot = {
      ok: true,
      slotName: 's',
      exists: true,
      active: false,
      lagBytes: 300 * 1024 * 1024,
      retainedBytes: 0,
    };
    const report = judge(facts, limits);
    expect(report.reasons).toEqual([
      'replication slot s is inactive: nothing reads the outbox WAL',
      'replication slot s lags 300.0 MiB (limit 256 MiB)',
    ]);
    // The same reasons as data: about the slot (not the outbox its words mention), each with its code.
    expect(report.findings).toEqual([
      {
        component: 'slot',
        code: 'SLOT_INACTIVE',
        text: 'replication slot s is inactive: nothing reads the outbox WAL',
      },
      { component: 'slot', code: 'SLOT_LAG_HIGH', text: 'replication slot s lags 300.0 MiB (limit 256 MiB)' },
    ]);
  });

  it('gives every reason a stable code and the hop it is about, beside the text a person reads', () => {
    const facts = healthyFacts();
    facts.connector = {
      ok: true,
      name: 'c',
      state: 'FAILED',
      tasks: [
        {
          id: 0,
          state: 'FAILED',
          workerId: 'w',
          trace: 'org.apache.kafka.connect.errors.ConnectException: boom\n\tat x',
        },
        { id: 1, state: 'UNASSIGNED', workerId: 'w' },
      ],
    };
    facts.replicationSlot = {
      ok: true,
      slotName: 's',
      exists: false,
      active: false,
      lagBytes: null,
      retainedBytes: null,
    };
    facts.outbox = { ok: false, error: 'relation "outbox" does not exist' };
    facts.topics = {
      ok: true,
      items: [{ topic: 'catalog-events', missing: true, partitions: [], records: 0 }],
    };
    facts.groups = {
      ok: true,
      items: [
        { groupId: 'metrics', role: 'metrics', state: 'Empty', members: 0, topics: [], lag: 5 },
        { groupId: 'cache', role: 'cacheInvalidation', state: 'Stable', members: 1, topics: [], lag: 20_000 },
      ],
    };
    facts.streamer = {
      ok: true,
      url: 'http://s',
      waiting: [{ groupId: 'cache', dependency: 'redis', reason: 'ECONNREFUSED', partitions: 1, since: '-' }],
    };
    facts.deadLetters = { ok: true, items: [{ groupId: 'metrics', topic: 'catalog-events', waiting: 2 }], waiting: 2 };
    facts.clamps = { ok: true, total: 1 };
    const report = judge(facts, limits);
    expect(report.findings.map((f) => [f.component, f.code])).toEqual([
      ['connect', 'CONNECTOR_FAILED'],
      ['connect', 'TASK_FAILED'],
      ['connect', 'TASK_NOT_RUNNING'],
      ['slot', 'SLOT_MISSING'],
      ['outbox', 'OUTBOX_UNREADABLE'],
      ['topics', 'TOPIC_MISSING'],
      ['groups', 'GROUP_NO_MEMBER'],
      ['groups', 'GROUP_LAG_HIGH'],
      ['effects', 'DEPENDENCY_WAIT'],
      ['effects', 'DLQ_WAITING'],
      ['effects', 'CLAMPED'],
    ]);
    // The person's words are the same as before, in the same order, one per finding.
    expect(report.reasons).toEqual(report.findings.map((f) => f.text));
    expect(report.reasons).toEqual([
      'connector c is FAILED',
      'connector c task 0 is FAILED: org.apache.kafka.connect.errors.ConnectException: boom',
      'connector c task 1 is UNASSIGNED',
      'replication slot s does not exist',
      'outbox unreadable: relation "outbox" does not exist',
      'topic catalog-events does not exist',
      'consumer group metrics has no active member and 5 records waiting',
      'consumer group cache lags 20000 records (limit 10000)',
      'cache group waits for redis: ECONNREFUSED',
      '2 record(s) parked in the DLQ of catalog-events for group metrics',
      'counter clamped at zero 1 times: ordering or duplicate bug',
    ]);
    const text = renderStatus(report).split('\n');
    expect(text[0]).toBe('DEGRADED: connector c is FAILED');
    expect(text[1]).toBe(
      '          connector c task 0 is FAILED: org.apache.kafka.connect.errors.ConnectException: boom',
    );
    // The JSON output carries both.
    expect(JSON.parse(JSON.stringify(report))).toMatchObject({ reasons: report.reasons, findings: report.findings });
  });

  it('names only hops the console draws, and codes of the unreachable sources', () => {
    for (const component of Object.values(STATUS_REASON_COMPONENTS))
      expect(STATUS_COMPONENTS as readonly string[]).toContain(component);
    const facts = healthyFacts();
    facts.connector = { ok: false, error: 'fetch failed' };
    facts.replicationSlot = { ok: false, error: 'ECONNREFUSED' };
    facts.outbox = { ok: false, error: 'ECONNREFUSED' };
    facts.topics = { ok: true, items: [] };
    facts.groups = { ok: false, error: 'timeout' };
    facts.deadLetters = { ok: false, error: 'ECONNREFUSED' };
    facts.clamps = { ok: false, error: 'ECONNREFUSED' };
    expect(judge(facts, limits).findings.map((f) => [f.component, f.code])).toEqual([
      ['connect', 'CONNECT_UNREACHABLE'],
      ['slot', 'COMMERCE_DB_UNREACHABLE'],
      ['groups', 'GROUPS_UNREADABLE'],
      ['effects', 'STREAMER_DB_UNREACHABLE'],
    ]);
    facts.connector = { ok: true, name: 'c', state: null, tasks: [] };
    facts.topics = { ok: false, error: 'ECONNREFUSED' };
    facts.deadLetters = { ok: true, items: [], waiting: 0 };
    expect(judge(facts, limits).findings.map((f) => f.code)).toEqual([
      'CONNECTOR_MISSING',
      'COMMERCE_DB_UNREACHABLE',
      'KAFKA_UNREACHABLE',
      'CLAMPS_UNREADABLE',
    ]);
    facts.connector = { ok: true, name: 'c', state: 'PAUSED', tasks: [] };
    expect(
      judge(facts, limits)
        .findings.slice(0, 2)
        .map((f) => f.code),
    ).toEqual(['CONNECTOR_NOT_RUNNING', 'CONNECTOR_NO_TASK']);
  });

  it('names a verify that found drift until a later run replaces it, and shows the last reconcile', () => {
    const last = {
      reconcileId: '00000000-0000-4000-8000-0000000000aa',
      mode: 'VERIFY' as const,
      startedAt: '2026-11-27T00:00:00.000Z',
      finishedAt: '2026-11-27T00:00:05.000Z',
      checked: 50,
      differing: 2,
      repaired: 0,
    };
    const drifted = judge({ ...healthyFacts(), reconcile: { ok: true, last } }, limits);
    expect(drifted.findings).toEqual([
      {
        component: 'effects',
        code: 'PROJECTION_DRIFT',
        text: expect.stringMatching(/found 2 of 50 products different from the source/),
      },
    ]);
    expect(renderStatus(drifted)).toContain('VERIFY: 50 checked, 2 differ');
    const repaired = judge(
      { ...healthyFacts(), reconcile: { ok: true, last: { ...last, mode: 'REPAIR', repaired: 2 } } },
      limits,
    );
    expect(repaired.verdict).toBe('healthy');
    expect(renderStatus(repaired)).toContain('REPAIR: 50 checked, 2 differ, 2 repaired');
    expect(renderStatus(judge(healthyFacts(), limits))).toContain('last reconcile (npm run reconcile)\n  none yet');
  });

  it('tolerates a burst of lag while the group has members, not beyond the limit', () => {
    const facts = healthyFacts();
    const group = facts.groups.ok ? facts.groups.items[0] : undefined;
    if (!group) throw new Error('fixture has a group');
    group.lag = 10_000;
    expect(judge(facts, limits).verdict).toBe('healthy');
    group.lag = 10_001;
    expect(judge(facts, limits).reasons).toEqual(['consumer group metrics lags 10001 records (limit 10000)']);
  });

  it('calls an outbox older than the retention a cleanup that is not keeping up', () => {
    const facts = healthyFacts();
    facts.outbox = { ok: true, rows: 1, sizeBytes: 1, oldestAgeSeconds: 9 * 86_400 };
    expect(judge(facts, limits).findings).toEqual([
      {
        component: 'outbox',
        code: 'OUTBOX_CLEANUP_BEHIND',
        text: 'outbox cleanup is not keeping up: oldest row is 216.0 h old',
      },
    ]);
  });

  it('reports an unreachable source as degraded, with the cause, without hiding the others', () => {
    const facts = healthyFacts();
    facts.connector = { ok: false, error: 'fetch failed' };
    facts.topics = { ok: false, error: 'Connection error: ECONNREFUSED' };
    facts.groups = { ok: false, error: 'kafka unreachable' };
    const report = judge(facts, limits);
    expect(report.reasons).toEqual([
      'kafka connect unreachable: fetch failed',
      'kafka unreachable: Connection error: ECONNREFUSED',
    ]);
    expect(renderStatus(report)).toContain('DEGRADED: kafka connect unreachable: fetch failed');
  });

  it('exports the verdict and the parts as Prometheus gauges', async () => {
    const facts = healthyFacts();
    facts.deadLetters = { ok: true, items: [{ groupId: 'metrics', topic: 'catalog-events', waiting: 3 }], waiting: 3 };
    const text = await statusAsPrometheus(judge(facts, limits));
    expect(text).toContain('pipeline_status_healthy 0');
    expect(text).toContain('pipeline_dead_letters_waiting{group="metrics",topic="catalog-events"} 3');
    expect(text).toContain('pipeline_connector_tasks{connector="commerce-outbox",state="FAILED"} 0');
    expect(text).toContain('pipeline_consumer_group_members{group="metrics"} 1');
  });

  /** The fixture's metrics group, partition 0 of catalog-events changed by `change`. */
  const withPartition = (change: Partial<PartitionLag>, members = 1): StatusFacts => {
    const facts = healthyFacts();
    const group = facts.groups.ok ? facts.groups.items[0] : undefined;
    const partition = group?.topics[0]?.partitions[0];
    if (!group || !partition) throw new Error('fixture has a group with a partition');
    Object.assign(partition, change);
    group.members = members;
    group.lag = partition.lag;
    return facts;
  };

  it('names a partition whose commit is older than the limit while records wait and it did not move', () => {
    const report = judge(
      withPartition({ committed: 97, lag: 3, committedAgeSeconds: 600.4, movedOnRecheck: false }),
      limits,
    );
    expect(report.reasons).toEqual(['metrics catalog-events/0 stalled for 600s at offset 97 with lag 3']);
    expect(report.findings.map((f) => [f.component, f.code])).toEqual([['groups', 'GROUP_LAG_STALLED']]);
    expect(report.stalled).toEqual([
      { groupId: 'metrics', topic: 'catalog-events', partition: 0, offset: 97, lag: 3, stalledSeconds: 600 },
    ]);
    expect(renderStatus(report)).toContain('stalled: metrics catalog-events/0 (600 s)');
  });

  it('does not call stalled: an offset that moved on the second read, a recent commit, no lag, an unknown age', () => {
    const notStalled: Partial<PartitionLag>[] = [
      // idle for 10 minutes, then records arrived: the streamer committed before the second read
      { lag: 3, committedAgeSeconds: 600, movedOnRecheck: true },
      { lag: 3, committedAgeSeconds: 59 },
      { lag: 0, committedAgeSeconds: 86_400 },
      // offsets without our metadata (set by a tool, an older streamer)
      { lag: 3, committedAt: null, committedAgeSeconds: null },
    ];
    for (const change of notStalled) {
      const report = judge(withPartition(change), limits);
      expect({ change, reasons: report.reasons, stalled: report.stalled }).toEqual({
        change,
        reasons: [],
        stalled: [],
      });
    }
  });

  it('counts a stall from when its records began to wait, not from the last commit of an idle partition', () => {
    // Idle for 19 minutes, then records arrived that have waited 70 s.
    const stalled = judge(
      withPartition({ committed: 97, lag: 3, committedAgeSeconds: 1145, waitingSeconds: 70.2, movedOnRecheck: false }),
      limits,
    );
    expect(stalled.reasons).toEqual(['metrics catalog-events/0 stalled for 70s at offset 97 with lag 3']);
    expect(stalled.stalled).toEqual([expect.objectContaining({ partition: 0, stalledSeconds: 70 })]);
    expect(renderStatus(stalled)).toContain('0: 97/100 3 [19 min, waiting 70 s]');
    // Records that arrived 20 s ago behind the same old commit wait, but are not stalled yet.
    const fresh = judge(
      withPartition({ committed: 97, lag: 3, committedAgeSeconds: 1145, waitingSeconds: 20 }),
      limits,
    );
    expect([fresh.reasons, fresh.stalled]).toEqual([[], []]);
  });

  it('dates a wait from the time the first record after the commit was written, found by time in Kafka', async () => {
    // Record timestamps of offsets 0..5: 0-2 written long ago, 3-5 after an idle hour.
    const written = [1_000, 2_000, 3_000, 3_603_000, 3_604_500, 3_610_000];
    const asked: number[] = [];
    const offsetAt = async (ms: number) => {
      asked.push(ms);
      const found = written.findIndex((t) => t >= ms);
      return found < 0 ? written.length : found;
    };
    // Committed 3 at 3_000 + 10 ms: offset 3 was written at 3_603_000, an hour later.
    const since = await waitingSince(offsetAt, 3, 3_010, 3_700_000);
    expect(since).toBeGreaterThan(3_602_000);
    expect(since).toBeLessThanOrEqual(3_603_000);
    expect(asked.length).toBeLessThan(15); // to a second over an hour and a half
    // The record after the commit was there already when it was committed: waiting since the commit.
    expect(await waitingSince(offsetAt, 3, 3_605_000, 3_700_000)).toBe(3_605_000);
  });

  it('leaves the partitions of a group without members to the no-member reason', () => {
    const report = judge(withPartition({ lag: 3, committedAgeSeconds: 600, movedOnRecheck: false }, 0), limits);
    expect(report.reasons).toEqual(['consumer group metrics has no active member and 3 records waiting']);
  });

  it('reads the commit time only from {"committedAt": <epoch ms>} metadata', () => {
    expect(parseCommittedAt('{"committedAt":1764201600000}')).toBe(1_764_201_600_000);
    for (const bad of [null, undefined, '', 'garbage', '{"committedAt":"yesterday"}', '{}', '[1]', '42', 'null'])
      expect({ bad, at: parseCommittedAt(bad) }).toEqual({ bad, at: null });
    expect(parseCommittedAt('{"committedAt":-5}')).toBeNull();
  });

  it('names the dependency a group waits for with what it answered, and counter clamps', () => {
    const facts = healthyFacts();
    const answer = '53100 could not extend file "base/16384/16397": No space left on device';
    facts.streamer = {
      ok: true,
      url: 'http://s',
      waiting: [
        {
          groupId: 'metrics',
          dependency: 'postgres',
          reason: answer,
          partitions: 2,
          since: '2026-11-26T23:58:00.000Z',
        },
        {
          groupId: 'cache',
          dependency: 'redis',
          reason: 'connect ECONNREFUSED 127.0.0.1:6379',
          partitions: 1,
          since: '-',
        },
      ],
    };
    facts.clamps = { ok: true, total: 4 };
    const waiting = judge(facts, limits);
    expect(waiting.reasons).toEqual([
      `metrics group waits for postgres: ${answer}`,
      'cache group waits for redis: connect ECONNREFUSED 127.0.0.1:6379',
      'counter clamped at zero 4 times: ordering or duplicate bug',
    ]);
    expect(renderStatus(waiting)).toContain(
      `metrics waits for postgres since 2026-11-26T23:58:00.000Z (2 partition(s)): ${answer}`,
    );
    expect(renderStatus(waiting)).not.toContain('(down)');
    // An unreachable streamer and an unknown clamp count are not reasons.
    facts.streamer = { ok: false, error: 'fetch failed' };
    facts.clamps = { ok: true, total: null };
    const report = judge(facts, limits);
    expect([report.reasons, report.findings]).toEqual([[], []]);
    expect(renderStatus(report)).toContain('unknown (column not migrated yet)');
  });

  it('exports stalled partitions, commit ages, dependency waits and clamps as gauges', async () => {
    const facts = withPartition({ committed: 97, lag: 3, committedAgeSeconds: 600, movedOnRecheck: false });
    facts.streamer = {
      ok: true,
      url: 'http://s',
      waiting: [
        {
          groupId: 'metrics',
          dependency: 'postgres',
          reason: '57P03 the database system is starting up',
          partitions: 1,
          since: '-',
        },
        { groupId: 'metrics', dependency: 'postgres', reason: '53300 too many connections', partitions: 1, since: '-' },
      ],
    };
    facts.clamps = { ok: true, total: 2 };
    const text = await statusAsPrometheus(judge(facts, limits));
    expect(text).toContain('pipeline_consumer_group_stalled_partitions{group="metrics"} 1');
    expect(text).toContain(
      'pipeline_consumer_partition_commit_age_seconds{group="metrics",topic="catalog-events",partition="0"} 600',
    );
    expect(text).toContain('pipeline_streamer_dependency_waiting{group="metrics",dependency="postgres"} 2');
    expect(text).toContain('pipeline_streamer_metrics_up 1');
    expect(text).toContain('pipeline_product_metrics_clamped 2');
  });
});
