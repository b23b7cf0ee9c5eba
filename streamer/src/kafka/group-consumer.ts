import { messageOf } from '@outbox/config';
import type { Batch, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { StreamerMetrics } from '../prometheus';
import { BatchAbandonedError, isMembershipLost } from '../pipeline/classify';
import type { BatchResult, PartitionProcessor } from '../pipeline/partition-processor';
import { recordLogFields, toConsumedRecord, type ConsumedRecord } from '../pipeline/record';
import { RecordSpans } from './record-spans';

export interface GroupConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  processor: Pick<PartitionProcessor, 'process'>;
  metrics: StreamerMetrics;
  /** Bound to the group by the caller (`log.child({ group })`): the lines here do not repeat it. */
  log: Logger;
  sessionTimeoutMs: number;
  partitionsConsumedConcurrently: number;
  /** kafkajs gave up on this consumer (a crash it does not restart): the process cannot go on consuming. */
  onFatal?: (err: Error) => void;
  /** Fault injection (crash test): called after the effects committed, before the offsets do. */
  afterDbCommit?: () => void;
}

/** The group refused a batch's commit: this member lost its membership (the batch is abandoned). */
class CommitRefusedError extends BatchAbandonedError {
  override name = 'CommitRefusedError';
}

/** How often a running batch heartbeats: twice per kafkajs heartbeat interval (a third of the session). */
export const heartbeatTickMs = (sessionTimeoutMs: number): number => Math.max(200, Math.floor(sessionTimeoutMs / 6));

/**
 * Heartbeats on a timer for as long as a batch runs, so a batch that waits on a dependency
 * call (a paused Redis, a held lock, a slow statement) stays in its group: the wait stays a
 * wait, never an eviction (docs/guarantees.md). Each call still has its own bound (command,
 * statement and lock timeouts), which turns a hung dependency into a visible wait. A heartbeat
 * that finds the member gone (a rebalance) ends the batch at its next check.
 */
export class HeartbeatTicker {
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private lost: unknown;

  constructor(
    private readonly heartbeat: () => Promise<void>,
    tickMs: number,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.beat().catch(() => undefined), tickMs);
    this.timer.unref();
  }

  /** One heartbeat (kafkajs sends at most one per interval); rethrows a lost membership. */
  async beat(): Promise<void> {
    if (this.lost !== undefined) throw this.lost;
    this.inFlight ??= this.heartbeat()
      .catch((err: unknown) => {
        if (isMembershipLost(err)) this.lost = err;
        else this.log.debug({ err }, 'heartbeat failed; the next tick tries again');
      })
      .finally(() => (this.inFlight = undefined));
    await this.inFlight;
    if (this.lost !== undefined) throw this.lost;
  }

  membershipLost(): boolean {
    return this.lost !== undefined;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * The transport layer: one kafkajs consumer per group. Partitions are processed
 * concurrently, records within a partition strictly in order; the offset is committed only
 * after the batch's effects are durable (no auto-commit), so a crash or a rebalance replays,
 * and the inbox absorbs the replay.
 */
export class GroupConsumer {
  private readonly consumer: Consumer;
  private member = false;
  /** Set by stop(): batches that have not finished their effects give up; finished ones commit. */
  private stopping = false;
  /** A restart after a lost membership, while it runs (stop() waits for it). */
  private rejoining: Promise<void> | undefined;
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly o: GroupConsumerOptions) {
    this.consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: Math.floor(o.sessionTimeoutMs / 3),
      maxWaitTimeInMs: 100,
      readUncommitted: false, // committed records only (kafkajs' default, stated: Connect may write in transactions)
    });
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      this.member = true;
      o.log.info({ assignment: e.payload.memberAssignment }, 'joined the consumer group');
    });
    for (const event of [CRASH, STOP, DISCONNECT]) this.consumer.on(event, () => (this.member = false));
    this.consumer.on(CRASH, (e) => {
      const { error, restart } = e.payload;
      o.log.error({ err: error, restart }, 'consumer crashed');
      // A retriable crash is restarted by kafkajs. A lost membership is not retriable for kafkajs
      // (the group forgot this member: its session expired, or its coordinator moved) but is
      // for us: join again as a new member. Any other leaves a process that consumes nothing.
      if (restart || this.stopping) return;
      if (isMembershipLost(error)) this.rejoining = this.rejoin().finally(() => (this.rejoining = undefined));
      else o.onFatal?.(error);
    });
  }

  /** True while this process is a member of its group (readiness). */
  isMember(): boolean {
    return this.member;
  }

  /** Connects, subscribes and runs; `cancelled` is checked between the steps (a rejoin during a shutdown). */
  async start(cancelled: () => boolean = () => false): Promise<void> {
    const { o } = this;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: o.topics, fromBeginning: true });
    if (cancelled()) return;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0 || isStale() || this.stopping) return;
        this.inFlight += 1;
        const ticker = new HeartbeatTicker(heartbeat, heartbeatTickMs(o.sessionTimeoutMs), o.log);
        try {
          await this.handleBatch(
            batch,
            resolveOffset,
            () => ticker.beat(),
            () => isRunning() && !isStale() && !this.stopping && !ticker.membershipLost(),
          );
        } finally {
          ticker.stop();
          this.inFlight -= 1;
          if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
        }
      },
    });
  }

  /**
   * After a crash kafkajs does not restart (it has disconnected by then): start over, unless a
   * shutdown began meanwhile (stop() waits for this, then disconnects what it started).
   */
  private async rejoin(): Promise<void> {
    this.o.log.warn('the group no longer knows this member; joining it again');
    try {
      await this.start(() => this.stopping);
    } catch (err) {
      if (!this.stopping) this.o.onFatal?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private async handleBatch(
    batch: Batch,
    resolveOffset: (offset: string) => void,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<void> {
    const { o } = this;
    const stopTimer = o.metrics.batchDuration.startTimer({ group: o.groupId });
    const records = batch.messages.map((m) => toConsumedRecord(batch.topic, batch.partition, m));
    const spans = new RecordSpans(o.groupId, records);
    let result: BatchResult;
    let handledThrough: string | undefined;
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    try {
      result = await o.processor.process(records, {
        heartbeat,
        isRunning,
        handledThrough: (offset) => (handledThrough = offset),
      });
      if (result.applied.length > 0) o.afterDbCommit?.();
      await this.commit(batch, resolveOffset, batch.lastOffset());
    } catch (err) {
      spans.fail(err);
      if (err instanceof BatchAbandonedError) {
        // Nothing parked; on shutdown, what is done is committed, the rest is redelivered (to
        // this member or the next) and the inbox absorbs repeats.
        o.metrics.batchesAbandoned.inc({ group: o.groupId });
        o.log.info(
          { topic: batch.topic, partition: batch.partition, handledThrough, reason: err.message },
          'batch abandoned',
        );
        // A commit the group just refused is not tried again.
        if (this.stopping && handledThrough !== undefined && !(err instanceof CommitRefusedError))
          await this.commit(batch, resolveOffset, handledThrough);
        return;
      }
      throw err;
    }
    spans.end(result);
    if (o.log.isLevelEnabled('debug')) this.logEvents(records, result);

    stopTimer();
    o.metrics.batchSize.observe({ group: o.groupId }, records.length);
    for (const e of result.applied) o.metrics.eventsApplied.inc({ group: o.groupId, event_type: e.eventType });
    for (const e of result.duplicates) o.metrics.duplicatesSkipped.inc({ group: o.groupId, event_type: e.eventType });
    if (result.clamped > 0) {
      o.metrics.clamped.inc({ group: o.groupId }, result.clamped);
      o.log.error({ clamped: result.clamped }, 'counter delta clamped at zero: drift');
    }
    if (result.drifted > 0) {
      o.metrics.drifted.inc({ group: o.groupId }, result.drifted);
      o.log.warn({ drifted: result.drifted }, 'product snapshots found the projection different from the source');
    }
    const lag = Number(BigInt(batch.highWatermark) - BigInt(next));
    o.metrics.lag.set({ group: o.groupId, topic: batch.topic, partition: String(batch.partition) }, Math.max(0, lag));
    o.log.debug(
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: next,
        records: records.length,
        applied: result.applied.length,
        duplicates: result.duplicates.length,
        parked: result.parked,
      },
      'batch committed',
    );
  }

  /**
   * Both are needed: resolveOffset moves this consumer's fetch position, commitOffsets makes the
   * position durable for the group (a restart resumes there). The metadata says when, so a
   * status reader can tell a stalled partition from a quiet one.
   */
  private async commit(batch: Batch, resolveOffset: (offset: string) => void, lastDone: string): Promise<void> {
    resolveOffset(lastDone);
    const committedAt = Date.now();
    try {
      await this.consumer.commitOffsets([
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: (BigInt(lastDone) + 1n).toString(),
          metadata: JSON.stringify({ committedAt }),
        },
      ]);
    } catch (err) {
      // The effects are durable but the group no longer takes this member's commits (a session
      // that expired while the batch ran, a coordinator that moved). After the rejoin, the
      // partition's owner fetches the batch again (or, if this member kept it, its next commit
      // covers it); the inbox absorbs what was applied.
      if (isMembershipLost(err)) throw new CommitRefusedError(`offsets not committed: ${messageOf(err)}`);
      throw err;
    }
    this.o.metrics.committedAt.set(
      { group: this.o.groupId, topic: batch.topic, partition: String(batch.partition) },
      committedAt / 1000,
    );
  }

  /** One debug line per event with its outcome (the batch line below says how many). */
  private logEvents(records: ConsumedRecord[], result: BatchResult): void {
    const byId = new Map(records.map((r) => [r.headers.id, r]));
    const lines = [
      ...result.applied.map((event) => ({ event, msg: 'event applied' })),
      ...result.duplicates.map((event) => ({ event, msg: 'duplicate skipped' })),
    ];
    for (const { event, msg } of lines) {
      const record = byId.get(event.eventId);
      if (record) this.o.log.debug(recordLogFields(record, event), msg);
    }
  }

  /**
   * Graceful (docs/operations.md): no new batch starts, a batch still waiting on a dependency gives up
   * (redelivered later), a batch whose effects are done commits its offset while the consumer
   * still runs (kafkajs drops commits once it is stopping), then the member leaves the group.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    try {
      this.consumer.pause(this.o.topics.map((topic) => ({ topic })));
    } catch (err) {
      // kafkajs refuses while it restarts a crashed consumer: nothing is in flight then.
      this.o.log.debug({ err }, 'pause before stop refused');
    }
    // No time cap: a waiting batch gives up at its next check, an applying one is bounded by
    // the database's statement timeout; disconnecting earlier would drop its commit.
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.rejoining;
    await this.consumer.disconnect();
    this.member = false;
  }
}
