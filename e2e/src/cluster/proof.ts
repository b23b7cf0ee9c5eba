import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectClientOf } from '@outbox/connect';
import { describeQuorum, loadVersions, runningPid, stackComponents, up, type Component } from '@outbox/stack';
import { ROLE_TOPICS } from '@outbox/events';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { currentLsn, waitCaptured } from '../capture';
import { queryDb } from '../db';
import { metricsDrift, type Counters } from '../ground-truth';
import { runGroupIds, startGroupsAtEnd } from '../groups';
import { createLoadProduct } from '../http';
import { endOffsets } from '../records';
import { eventually } from '../wait';
import { endpoints, kafkaClient, stack } from '../stack-under-test';
import { preparePipeline } from '../pipeline';
import { freePort, startService, STREAMER_SESSION_MS, type ServiceProcess } from '../processes';
import { runWorkload, type WorkloadReport } from '../workload';
import { readRange, type RangeRecord } from './reader';

/**
 * On the cluster topology: a workload through the api while, one at a time, the
 * broker leading the probe's partition, the active controller and the Connect worker running
 * the task are SIGKILLed (and restarted); per fault the time until new events reach their
 * effect; at the end loss, duplicates (read committed, as consumers see them, and read
 * uncommitted, what Connect wrote), order per aggregate, drift and dead letters.
 *
 * Plugging it into `npm run chaos -- --topology cluster`: `killTarget` and `probe` are the fault
 * and the recovery probe of one step, `readRange` the transaction-aware reader, `checkRun` the
 * extra checks (duplicate records, raw duplicates); chaos/src/faults.ts can call them per target.
 */
/**
 * kafka-leader: the node leading the probe's catalog-events partition; kafka-controller: the
 * active controller; kafka-coordinator: the node hosting the Connect workers' group coordinator
 * (a worker that cannot reach it for heartbeat.interval.ms stops its task); connect-task: the
 * worker running the connector's task.
 */
export type ClusterFault = 'kafka-leader' | 'kafka-controller' | 'kafka-coordinator' | 'connect-task';
export const CLUSTER_FAULTS: readonly ClusterFault[] = [
  'kafka-leader',
  'kafka-controller',
  'kafka-coordinator',
  'connect-task',
];

/** The recovery targets (docs/cluster.md), milliseconds from the kill until new events reached their effect. */
export const RECOVERY_TARGET_MS: Record<ClusterFault, number> = {
  'kafka-leader': 10_000,
  'kafka-controller': 10_000,
  'kafka-coordinator': 10_000,
  'connect-task': 15_000,
};

export interface FaultMeasurement {
  fault: ClusterFault;
  /** The component killed (kafka-2, connect-1, ...), and what it was. */
  target: string;
  role: string;
  /** Milliseconds since the workload started. */
  atMs: number;
  /** From the kill until the probe's events were in Kafka (the slot confirmed them). */
  capturedMs: number;
  /** From the kill until the probe's events had reached their effect in both groups. */
  recoveredMs: number;
  /** The longest time in the minute after the kill in which the metrics group applied nothing. */
  longestGapMs: number;
  /** Connect only: from the kill until the task ran on another worker, and which. */
  taskMovedMs?: number;
  taskWorker?: string;
}

export interface ClusterProofReport {
  exactlyOnce: boolean;
  topology: string;
  seed: number;
  workload: WorkloadReport;
  eventsWritten: number;
  /** Records of the run in the event topics as read_committed consumers see them. */
  kafkaRecords: number;
  /** Records whose event id was already in the topic (read committed: what consumers get twice). */
  duplicateRecords: number;
  /** The same, read uncommitted: aborted transactions included (what Connect wrote, fenced or not). */
  duplicateRecordsUncommitted: number;
  lost: string[];
  outOfOrder: { aggregateId: string; earlier: string; later: string }[];
  drift: { productId: string; truth: Counters; applied: Counters }[];
  deadLetters: number;
  /** After the run: per group, end offset minus committed offset summed (transaction markers). */
  lagAfterIdle: Record<string, number>;
  faults: FaultMeasurement[];
  idleAfterMs: number;
  passed: boolean;
}

const TOPICS = ['catalog-events', 'order-events'];

/** Polls every 100 ms: the recovery times are measured with it. */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> =>
  eventually(what, check, timeoutMs, 100);
const COMMIT_CLOCK_TOLERANCE_MS = 100;

function components(): Component[] {
  return stackComponents({ config: stack, versions: loadVersions() });
}

function component(name: string): Component {
  const found = components().find((c) => c.name === name);
  if (!found) throw new Error(`no stack component "${name}" (is STACK_TOPOLOGY=cluster set?)`);
  return found;
}

/** SIGKILL, as a crash would; returns once the process is gone. */
export async function killServer(name: string): Promise<void> {
  const c = component(name);
  const pid = runningPid(c.process);
  if (pid === undefined) throw new Error(`${name} is not running`);
  process.kill(pid, 'SIGKILL');
  while (runningPid(c.process) !== undefined) await sleep(20);
}

export async function restartServer(name: string): Promise<void> {
  await up(components(), stack.startTimeoutMs, [name]);
}

/** The partition of `key` in `topic` (murmur2, as Debezium's producer computes it) and its leader's node id. */
async function leaderOfKey(topic: string, key: string): Promise<{ partition: number; leader: number }> {
  const admin = kafkaClient('cluster-proof-meta').admin();
  await admin.connect();
  try {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const partitions = (metadata?.partitions ?? []) as PartitionMetadata[];
    const partition = Partitioners.DefaultPartitioner()({
      topic,
      partitionMetadata: partitions,
      message: { key, value: null },
    });
    const leader = partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
    return { partition, leader };
  } finally {
    await admin.disconnect();
  }
}

/**
 * The node hosting a consumer group's coordinator: the leader of the __consumer_offsets
 * partition abs(javaHashCode(groupId)) % partitions, as the broker computes it.
 */
async function coordinatorOf(groupId: string): Promise<number> {
  let hash = 0;
  for (let i = 0; i < groupId.length; i += 1) hash = (Math.imul(31, hash) + groupId.charCodeAt(i)) | 0;
  const admin = kafkaClient('cluster-proof-meta').admin();
  await admin.connect();
  try {
    const [offsets] = (await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] })).topics;
    const partitions = offsets?.partitions ?? [];
    const partition = (hash & 0x7fffffff) % Math.max(1, partitions.length);
    return partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
  } finally {
    await admin.disconnect();
  }
}

/** The Connect workers' group (stack/config/connect-distributed.properties.template). */
const CONNECT_GROUP = 'outbox-connect';

/** Which component to kill for a fault, and what it is. */
export async function killTarget(fault: ClusterFault, probeProductId: string): Promise<{ name: string; role: string }> {
  const nodeName = (id: number): string => stack.kafka.nodes.find((n) => n.id === id)?.name ?? `kafka-${id}`;
  if (fault !== 'connect-task') {
    const { partition, leader } = await leaderOfKey('catalog-events', probeProductId);
    const quorum = await describeQuorum(stack, loadVersions());
    const coordinator = await coordinatorOf(CONNECT_GROUP);
    if (fault === 'kafka-controller' && !quorum) throw new Error('no KRaft controller answers');
    const target = {
      'kafka-leader': leader,
      'kafka-controller': quorum?.leaderId ?? -1,
      'kafka-coordinator': coordinator,
    }[fault];
    const roles = [
      ...(target === leader ? [`leader of catalog-events/${partition} (the probe's)`] : []),
      ...(target === quorum?.leaderId ? [`active controller (epoch ${quorum.leaderEpoch})`] : []),
      ...(target === coordinator ? ["Connect group's coordinator"] : []),
    ];
    if (roles.length === 0) roles.push('a broker leading other partitions');
    return { name: nodeName(target), role: roles.join(', ') };
  }
  const status = await taskStatus();
  const worker = workerOf(status.worker);
  return {
    name: worker,
    role: `worker running task 0${status.connectorWorker === status.worker ? ' and the connector' : ''}`,
  };
}

function workerOf(workerId: string): string {
  const port = Number(workerId.split(':').pop());
  return stack.connect.workers.find((w) => w.port === port)?.name ?? workerId;
}

async function taskStatus(): Promise<{ state: string; worker: string; connectorWorker: string }> {
  const client = await connectClientOf(endpoints.connectUrls, endpoints.connectLogin);
  const status = await client.status('commerce-outbox');
  const task = status?.tasks[0];
  if (!status || !task) throw new Error('the connector commerce-outbox has no task');
  return { state: task.state, worker: task.worker_id, connectorWorker: status.connector.worker_id };
}

/**
 * New events written through the api right after a fault: a view of the probe product (metrics
 * group) and a one-unit order of it (its STOCK_DECREASED, for both groups); returns when they were in Kafka and when both groups had applied them.
 */
export async function probe(
  apiUrl: string,
  productId: string,
  groups: { metrics: string; cache: string },
  timeoutMs = 180_000,
): Promise<{ capturedAt: number; appliedAt: number }> {
  const [{ now: since } = { now: new Date() }] = await queryDb<{ now: Date }>('commerce', 'SELECT now() AS now');
  const write = async (path: string, body?: unknown): Promise<Record<string, unknown>> =>
    until(
      `the api to accept POST ${path}`,
      async () => {
        const res = await fetch(`${apiUrl}${path}`, {
          method: 'POST',
          headers: { 'x-member-id': 'cluster-probe', ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        }).catch(() => undefined);
        return res?.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      timeoutMs,
    );
  await write(`/products/${productId}/views`);
  const order = await write('/orders', { items: [{ productId, quantity: 1 }] });
  await waitCaptured(await currentLsn(), timeoutMs);
  const capturedAt = Date.now();
  const expected = await queryDb<{ id: string; type: string }>(
    'commerce',
    `SELECT id::text, type FROM outbox WHERE created_at >= $1 AND aggregateid = $2
       AND type IN ('PRODUCT_VIEWED', 'STOCK_DECREASED')`,
    [since, productId],
  );
  if (typeof order.id !== 'string')
    throw new Error(`the api answered an order without an id: ${JSON.stringify(order)}`);
  const effects = expected.flatMap((e) =>
    e.type === 'STOCK_DECREASED'
      ? [
          { group: groups.metrics, id: e.id },
          { group: groups.cache, id: e.id },
        ]
      : [{ group: groups.metrics, id: e.id }],
  );
  await until(
    `the probe's ${effects.length} effects`,
    async () => {
      const [row] = await queryDb<{ n: string }>(
        'streamer',
        `SELECT count(*) AS n FROM unnest($1::text[], $2::uuid[]) AS e(g, id)
         WHERE NOT EXISTS (SELECT 1 FROM event_handled h WHERE h.consumer_group = e.g AND h.event_id = e.id)`,
        [effects.map((e) => e.group), effects.map((e) => e.id)],
      );
      return Number(row?.n ?? 1) === 0 ? true : undefined;
    },
    timeoutMs,
  );
  return { capturedAt, appliedAt: Date.now() };
}

/** Every partition of the topics has all its replicas in sync (a restarted broker caught up). */
async function waitFullyReplicated(timeoutMs = 120_000): Promise<void> {
  const admin = kafkaClient('cluster-proof-isr').admin();
  await admin.connect();
  try {
    await until(
      'every partition to have all its replicas in sync',
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: await admin.listTopics() });
        const under = topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length));
        return under.length === 0 ? true : undefined;
      },
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the task is RUNNING, on another worker than `notOn` when given; returns its worker id. */
async function waitTaskRunning(notOn?: string, timeoutMs = 120_000): Promise<string> {
  return until(
    notOn ? `the connector task to run on another worker than ${notOn}` : 'the connector task to run',
    async () => {
      const status = await taskStatus().catch(() => undefined);
      return status?.state === 'RUNNING' && (notOn === undefined || workerOf(status.worker) !== notOn)
        ? status.worker
        : undefined;
    },
    timeoutMs,
  );
}

/** The longest stretch in [from, to] without an apply by the group (inbox times), in ms. */
async function longestGap(group: string, from: number, to: number): Promise<number> {
  const rows = await queryDb<{ at: Date }>(
    'streamer',
    'SELECT DISTINCT handled_at AS at FROM event_handled WHERE consumer_group = $1 AND handled_at BETWEEN $2 AND $3 ORDER BY 1',
    [group, new Date(from), new Date(to)],
  );
  let previous = from;
  let longest = 0;
  for (const { at } of rows) {
    longest = Math.max(longest, at.getTime() - previous);
    previous = at.getTime();
  }
  return Math.max(longest, to - previous);
}

/** A run's consumer group and the topics it reads (the cache group reads catalog-events only). */
interface RunGroup {
  groupId: string;
  topics: string[];
}

/** Per group: end offset minus committed offset, summed over the partitions. */
async function groupLag(groups: RunGroup[], ends: Map<string, Map<number, bigint>>): Promise<Record<string, number>> {
  const admin = kafkaClient('cluster-proof-lag').admin();
  await admin.connect();
  try {
    const lag: Record<string, number> = {};
    for (const { groupId, topics } of groups) {
      let sum = 0n;
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics }))
        for (const { partition, offset } of partitions) {
          const end = ends.get(topic)?.get(partition) ?? 0n;
          const committed = BigInt(offset) < 0n ? 0n : BigInt(offset);
          if (end > committed) sum += end - committed;
        }
      lag[groupId] = Number(sum);
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/** Waits until each group committed past the last record of every partition (markers may follow it). */
async function waitApplied(groups: RunGroup[], records: RangeRecord[], timeoutMs = 300_000): Promise<void> {
  const last = new Map<string, bigint>();
  for (const r of records) {
    const key = `${r.topic}/${r.partition}`;
    const offset = BigInt(r.offset);
    if (offset > (last.get(key) ?? -1n)) last.set(key, offset);
  }
  const admin = kafkaClient('cluster-proof-idle').admin();
  await admin.connect();
  try {
    await until(
      'both groups to commit past the last record of the run',
      async () => {
        for (const { groupId, topics } of groups)
          for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics }))
            for (const { partition, offset } of partitions)
              if (BigInt(offset) <= (last.get(`${topic}/${partition}`) ?? -1n)) return undefined;
        return true;
      },
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}

interface CommittedEvent {
  id: string;
  topic: string;
  aggregateId: string;
  committedAt: number;
}

/** Loss, duplicates and order per aggregate of the run's records against the committed outbox rows. */
function checkRecords(
  events: CommittedEvent[],
  committed: RangeRecord[],
  uncommitted: RangeRecord[],
): Pick<ClusterProofReport, 'lost' | 'duplicateRecords' | 'duplicateRecordsUncommitted' | 'outOfOrder'> {
  const duplicates = (records: RangeRecord[]): { count: number; first: Map<string, bigint> } => {
    const first = new Map<string, bigint>();
    let count = 0;
    for (const r of records) {
      const id = r.eventId;
      if (!id) continue;
      const key = `${r.topic}/${id}`;
      if (first.has(key)) count += 1;
      else first.set(key, BigInt(r.offset));
    }
    return { count, first };
  };
  const seen = duplicates(committed);
  const lost = events.filter((e) => !seen.first.has(`${e.topic}/${e.id}`)).map((e) => e.id);
  const outOfOrder: ClusterProofReport['outOfOrder'] = [];
  const byAggregate = new Map<string, CommittedEvent[]>();
  for (const e of events)
    if (seen.first.has(`${e.topic}/${e.id}`))
      byAggregate.set(`${e.topic}/${e.aggregateId}`, [...(byAggregate.get(`${e.topic}/${e.aggregateId}`) ?? []), e]);
  for (const [aggregateId, list] of byAggregate) {
    const offset = (e: CommittedEvent): bigint => seen.first.get(`${e.topic}/${e.id}`) ?? 0n;
    const inKafkaOrder = [...list].sort((a, b) => (offset(a) < offset(b) ? -1 : 1));
    inKafkaOrder.forEach((later, i) => {
      const earlier = inKafkaOrder
        .slice(0, i)
        .find((e) => e.committedAt - later.committedAt > COMMIT_CLOCK_TOLERANCE_MS);
      if (earlier) outOfOrder.push({ aggregateId, earlier: earlier.id, later: later.id });
    });
  }
  return {
    lost,
    duplicateRecords: seen.count,
    duplicateRecordsUncommitted: duplicates(uncommitted).count,
    outOfOrder,
  };
}

export interface ClusterProofOptions {
  seed: number;
  faults: ClusterFault[];
  /** Workload between faults, after the pipeline is whole again. */
  settleMs: number;
  products: number;
  concurrency: number;
  log: (line: string) => void;
}

export async function runClusterProof(o: ClusterProofOptions): Promise<ClusterProofReport> {
  if (stack.topology !== 'cluster') throw new Error('run it on the cluster topology: STACK_TOPOLOGY=cluster');
  const { metrics, cacheInvalidation } = runGroupIds('cluster', o.seed);
  const groups = { metrics, cache: cacheInvalidation };
  const runGroups: RunGroup[] = [
    { groupId: groups.metrics, topics: [...ROLE_TOPICS.metrics] },
    { groupId: groups.cache, topics: [...ROLE_TOPICS.cacheInvalidation] },
  ];
  // Every server up first: an interrupted run may have left a killed one down.
  await up(components(), stack.startTimeoutMs);
  await preparePipeline();
  await waitTaskRunning();
  await startGroupsAtEnd(Object.values(groups), TOPICS);
  const [{ now: since } = { now: new Date() }] = await queryDb<{ now: Date }>('commerce', 'SELECT now() AS now');
  const startOffsets = await endOffsets(TOPICS);

  let api: ServiceProcess | undefined;
  let streamer: ServiceProcess | undefined;
  try {
    streamer = await startService(
      'streamer',
      {
        METRICS_GROUP_ID: groups.metrics,
        CACHE_GROUP_ID: groups.cache,
        LOG_LEVEL: 'warn',
        KAFKA_SESSION_TIMEOUT_MS: String(STREAMER_SESSION_MS),
      },
      { readyTimeoutMs: 120_000 },
    );
    api = await startService(
      'api',
      { STREAMER_URL: streamer.url, LOG_LEVEL: 'warn' },
      { port: await freePort(), readyTimeoutMs: 120_000 },
    );
    const apiUrl = api.url;
    const productIds: string[] = [];
    for (let i = 0; i < o.products; i += 1) productIds.push(await createLoadProduct(apiUrl, `cluster ${i}`));
    const probeId = await createLoadProduct(apiUrl, 'cluster recovery probe');

    let stop = false;
    const startedAt = Date.now();
    const workload = runWorkload({
      apiUrl,
      productIds,
      members: 100,
      operations: Number.MAX_SAFE_INTEGER,
      concurrency: o.concurrency,
      seed: o.seed,
      shouldStop: () => stop,
    });
    const stamp = (): string => `+${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
    const faults: FaultMeasurement[] = [];
    let down: string | undefined;
    try {
      await sleep(o.settleMs);
      for (const fault of o.faults) {
        const { name, role } = await killTarget(fault, probeId);
        const at = Date.now();
        await killServer(name);
        down = name;
        o.log(`${stamp()} killed ${name} (${role})`);
        const moved =
          fault === 'connect-task'
            ? waitTaskRunning(name).then((worker) => ({ worker: workerOf(worker), at: Date.now() }))
            : undefined;
        const { capturedAt, appliedAt } = await probe(apiUrl, probeId, groups);
        const measurement: FaultMeasurement = {
          fault,
          target: name,
          role,
          atMs: at - startedAt,
          capturedMs: capturedAt - at,
          recoveredMs: appliedAt - at,
          longestGapMs: 0,
        };
        if (moved) {
          const { worker, at: movedAt } = await moved;
          measurement.taskMovedMs = movedAt - at;
          measurement.taskWorker = worker;
        }
        o.log(
          `${stamp()}   new events in Kafka ${(measurement.capturedMs / 1000).toFixed(1)} s and applied ${(measurement.recoveredMs / 1000).toFixed(1)} s after the kill${moved ? `; task RUNNING on ${measurement.taskWorker} after ${((measurement.taskMovedMs ?? 0) / 1000).toFixed(1)} s` : ''}`,
        );
        faults.push(measurement);
        await restartServer(name);
        down = undefined;
        if (fault !== 'connect-task') await waitFullyReplicated();
        await waitTaskRunning();
        o.log(`${stamp()}   ${name} restarted, replicas in sync, task RUNNING`);
        // The gap is measured once the minute after the kill is over (or the run ends).
        await sleep(o.settleMs);
      }
    } finally {
      stop = true;
      // A step that failed leaves no server down behind it.
      if (down) await restartServer(down).catch((err: unknown) => o.log(`could not restart ${down}: ${String(err)}`));
    }
    const workloadReport = await workload;
    o.log(
      `${stamp()} workload stopped after ${workloadReport.operations} requests; waiting for the pipeline to be idle`,
    );
    for (const f of faults) {
      const from = startedAt + f.atMs;
      f.longestGapMs = await longestGap(groups.metrics, from, Math.min(from + 60_000, Date.now()));
    }

    const idleStarted = Date.now();
    await waitCaptured(await currentLsn(), 300_000);
    const endOffsetsAfter = await endOffsets(TOPICS);
    const committed = await readRange(startOffsets, endOffsetsAfter, false);
    const uncommitted = await readRange(startOffsets, endOffsetsAfter, true);
    await waitApplied(runGroups, committed);
    const idleAfterMs = Date.now() - idleStarted;

    const events = (
      await queryDb<{ id: string; aggregatetype: string; aggregateid: string; committed_at: Date }>(
        'commerce',
        `SELECT id::text, aggregatetype, aggregateid, pg_xact_commit_timestamp(xmin) AS committed_at
         FROM outbox WHERE created_at >= $1`,
        [since],
      )
    ).map((r) => ({
      id: r.id,
      topic: `${r.aggregatetype}-events`,
      aggregateId: r.aggregateid,
      committedAt: r.committed_at.getTime(),
    }));
    const recordChecks = checkRecords(events, committed, uncommitted);
    const drift = await metricsDrift([...productIds, probeId]);
    const [dlq] = await queryDb<{ n: string }>(
      'streamer',
      'SELECT count(*) AS n FROM dead_letter WHERE consumer_group = ANY($1)',
      [Object.values(groups)],
    );
    const report: ClusterProofReport = {
      exactlyOnce: stack.connect.exactlyOnce,
      topology: `${stack.kafka.nodes.length} Kafka nodes (RF ${stack.kafka.replicationFactor}, min ISR ${stack.kafka.minInsyncReplicas}), ${stack.connect.workers.length} Connect workers`,
      seed: o.seed,
      workload: workloadReport,
      eventsWritten: events.length,
      kafkaRecords: committed.length,
      ...recordChecks,
      drift,
      deadLetters: Number(dlq?.n ?? 0),
      lagAfterIdle: await groupLag(runGroups, endOffsetsAfter),
      faults,
      idleAfterMs,
      passed: false,
    };
    report.passed =
      report.lost.length === 0 &&
      report.outOfOrder.length === 0 &&
      report.drift.length === 0 &&
      report.deadLetters === 0 &&
      (!report.exactlyOnce || report.duplicateRecords === 0) &&
      faults.every((f) => f.recoveredMs <= RECOVERY_TARGET_MS[f.fault]);
    return report;
  } finally {
    await Promise.all([api?.kill('SIGTERM'), streamer?.kill('SIGTERM')]);
    // The services' own logs, for a slow recovery's explanation.
    for (const [name, service] of [
      ['api', api],
      ['streamer', streamer],
    ] as const)
      if (service) writeFileSync(join(stack.logDir, `cluster-proof-${name}.log`), service.output());
  }
}

/** A short text summary of a report. */
export function summarizeClusterProof(r: ClusterProofReport): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `cluster proof (${r.topology}; exactly-once capture ${r.exactlyOnce ? 'ON' : 'OFF'}; seed ${r.seed})`,
    `  ${r.workload.operations} requests wrote ${r.eventsWritten} events; ${r.kafkaRecords} records in Kafka (read committed)`,
    '  fault             target     recovered (target)  in Kafka  longest gap  task moved',
    ...r.faults.map(
      (f) =>
        `  ${f.fault.padEnd(17)} ${f.target.padEnd(10)} ${`${s(f.recoveredMs)} (${s(RECOVERY_TARGET_MS[f.fault])})`.padEnd(19)} ${s(f.capturedMs).padEnd(9)} ${s(f.longestGapMs).padEnd(12)} ${f.taskMovedMs === undefined ? '-' : `${s(f.taskMovedMs)} to ${f.taskWorker}`}`,
    ),
    `  duplicate records: ${r.duplicateRecords} read committed, ${r.duplicateRecordsUncommitted} read uncommitted`,
    `  lost ${r.lost.length}, out of order ${r.outOfOrder.length}, drifted products ${r.drift.length}, dead letters ${r.deadLetters}`,
    `  idle ${s(r.idleAfterMs)} after the load stopped; lag after idle ${JSON.stringify(r.lagAfterIdle)}`,
    r.passed ? 'PASSED' : 'FAILED',
  ];
  return lines.join('\n');
}
