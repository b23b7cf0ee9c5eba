import { messageOf } from '@outbox/config';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamerClient } from '@outbox/db';
import type { CommerceEvent, EventCodec } from '@outbox/events';
import type { Logger } from 'pino';
import type { DeadLetters, QueueHeads } from '../dlq/dead-letters';
import type { ApplyOutcome, EventHandler } from '../handlers/handler';
import { handledAlready } from '../inbox/inbox';
import type { BackoffStrategy } from '../strategies/backoff';
import { decodeRecord } from './decode';
import { BatchAbandonedError, classify, type Dependency } from './classify';
import { offsetOf, queueOf, recordLogFields, type ConsumedRecord } from './record';

export interface BatchResult {
  applied: CommerceEvent[];
  duplicates: CommerceEvent[];
  /** Records parked by the attempt that finished the batch. */
  parked: number;
  /** Counter deltas clamped at zero (drift; stays 0 with correct ordering). */
  clamped: number;
  /** Snapshots that found the projection different from the source. */
  drifted: number;
}

export interface ProcessorHooks {
  /**
   * The partition starts or stops waiting for a dependency (metrics, status); `reason` is what
   * the dependency answered. A new answer ends the wait and starts another with it.
   */
  onWait?(dependency: Dependency, waiting: boolean, waitedMs: number, reason: string): void;
  /** Records were parked (metrics; the DLQ publisher copies them to `<topic>.dlq`). */
  onParked?(topic: string, count: number): void;
}

export interface ProcessorOptions {
  handler: EventHandler;
  codec: EventCodec;
  db: StreamerClient;
  deadLetters: DeadLetters;
  applyMode: 'batch' | 'single';
  /** Attempts for an event that fails deterministically before it is parked. */
  maxAttempts: number;
  backoff: BackoffStrategy;
  log: Logger;
  hooks?: ProcessorHooks;
}

export interface BatchContext {
  heartbeat(): Promise<void>;
  /** False once the batch must stop: shutdown, or the partition is no longer this member's. */
  isRunning(): boolean;
  /**
   * Every record of the batch up to this offset is handled (applied, skipped or parked), in
   * order. A shutdown in the middle of a batch commits up to here, so a graceful restart
   * redelivers nothing that was applied.
   */
  handledThrough?(offset: string): void;
}

interface Pending {
  record: ConsumedRecord;
  event: CommerceEvent;
}

/** Longest sleep between two heartbeats while waiting (kafkajs throttles them to its interval). */
const HEARTBEAT_SLICE_MS = 1000;

const emptyResult = (): BatchResult => ({ applied: [], duplicates: [], parked: 0, clamped: 0, drifted: 0 });

/**
 * Turns one partition's records into effects, strictly in offset order (docs/guarantees.md):
 * - a record the DLQ already holds (parked before a crash or a rebalance) is not handled again;
 * - a poison record (see classify.ts) is parked only after every earlier record was applied, and
 *   its aggregate's later records are parked behind it; an earlier record never is, nor one the
 *   inbox says was applied;
 * - everything else goes through the group's handler (inbox + effect in one transaction): the
 *   whole run in batch mode, one event per transaction in single mode or to isolate a record
 *   that fails deterministically, which is parked after `maxAttempts`.
 * A dependency that fails makes the whole batch wait and retry without bound (heartbeating,
 * visible through hooks.onWait); a rebalance or a shutdown abandons it without parking anything.
 */
export class PartitionProcessor {
  constructor(private readonly options: ProcessorOptions) {}

  async process(records: ConsumedRecord[], ctx: BatchContext): Promise<BatchResult> {
    let waiting: { dependency: Dependency; reason: string; since: number } | undefined;
    const endWait = () => {
      if (waiting) this.options.hooks?.onWait?.(waiting.dependency, false, Date.now() - waiting.since, waiting.reason);
      waiting = undefined;
    };
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await this.processOnce(records, ctx);
        } catch (err) {
          const fault = classify(err);
          if (fault.kind === 'abandon') throw err;
          // Stopping while a dependency fails: give the batch up (what is done gets committed).
          if (!ctx.isRunning()) throw new BatchAbandonedError('the consumer is stopping', { cause: err });
          const dependency = fault.kind === 'wait' ? fault.dependency : 'unknown';
          if (waiting?.dependency !== dependency || waiting.reason !== fault.reason) {
            endWait();
            waiting = { dependency, reason: fault.reason, since: Date.now() };
            this.options.hooks?.onWait?.(dependency, true, 0, fault.reason);
          }
          const waitMs = this.options.backoff(attempt);
          this.options.log.warn(
            { err, dependency, attempt, waitMs, topic: records[0]?.topic, partition: records[0]?.partition },
            `waiting for ${dependency}; the batch is retried, nothing is parked`,
          );
          await this.pause(waitMs, ctx);
        }
      }
    } finally {
      endWait();
    }
  }

  private async processOnce(records: ConsumedRecord[], ctx: BatchContext): Promise<BatchResult> {
    const { handler, deadLetters } = this.options;
    const group = handler.group;
    const first = records[0];
    const last = records.at(-1);
    if (!first || !last) return emptyResult();
    const { topic, partition } = first;

    const decoded = await Promise.all(records.map((r) => decodeRecord(this.options.codec, r)));
    const parkedBefore = await deadLetters.parkedOffsets(group, topic, partition, offsetOf(first), offsetOf(last));
    const queues = [...new Set(records.map(queueOf).filter((q): q is string => q !== undefined))];
    const heads = await deadLetters.queueHeads(group, topic, partition, queues);
    const result = emptyResult();
    let pending: Pending[] = [];

    for (const item of decoded) {
      if (parkedBefore.has(item.record.offset)) continue;
      if (!item.ok) {
        // Everything before it first: parking must never overtake an earlier record.
        await this.applyInOrder(pending, heads, result, ctx);
        pending = [];
        this.options.log.warn({ ...recordLogFields(item.record), error: item.error }, 'poison record parked');
        await this.park(item.record, undefined, item.error, 1, heads);
        result.parked += 1;
        ctx.handledThrough?.(item.record.offset);
        continue;
      }
      if (!handler.handles(item.event)) continue;
      if (await this.parkedBehind({ record: item.record, event: item.event }, heads, result)) continue;
      pending.push({ record: item.record, event: item.event });
    }
    await this.applyInOrder(pending, heads, result, ctx);
    return result;
  }

  /** Applies records in order: as one batch when possible, else one at a time. */
  private async applyInOrder(pending: Pending[], heads: QueueHeads, result: BatchResult, ctx: BatchContext) {
    if (pending.length === 0) return;
    if (this.options.applyMode === 'batch') {
      try {
        merge(result, await this.options.handler.apply(pending.map((p) => p.event)));
        ctx.handledThrough?.((pending.at(-1) as Pending).record.offset);
        await ctx.heartbeat();
        return;
      } catch (err) {
        if (classify(err).kind !== 'poison') throw err;
        this.options.log.warn(
          { err, events: pending.length },
          'a record of the batch fails deterministically; applying one at a time to isolate it',
        );
      }
    }
    for (const item of pending) {
      // A shutdown stops between two events (not after the whole batch) and commits what is done.
      if (!ctx.isRunning()) throw new BatchAbandonedError('the consumer is stopping or lost the partition');
      if (await this.parkedBehind(item, heads, result)) {
        ctx.handledThrough?.(item.record.offset);
        continue;
      }
      try {
        merge(result, await this.applyOne(item, ctx));
      } catch (err) {
        if (classify(err).kind !== 'poison') throw err;
        const error = messageOf(err);
        this.options.log.warn(
          { ...recordLogFields(item.record, item.event), error },
          'event failed on every attempt; parked',
        );
        await this.park(item.record, item.event, error, this.options.maxAttempts, heads);
        result.parked += 1;
      }
      ctx.handledThrough?.(item.record.offset);
      // One event per transaction can outlast the session timeout over a large batch: stay in
      // the group (kafkajs sends at most one heartbeat per heartbeat interval).
      await ctx.heartbeat();
    }
  }

  /** One event; a deterministic failure is retried `maxAttempts` times with backoff, then thrown. */
  private async applyOne(item: Pending, ctx: BatchContext): Promise<ApplyOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.options.handler.apply([item.event]);
      } catch (err) {
        if (classify(err).kind !== 'poison' || attempt >= this.options.maxAttempts) throw err;
        const waitMs = this.options.backoff(attempt);
        this.options.log.warn(
          { ...recordLogFields(item.record, item.event), err, attempt, waitMs },
          'apply failed; retrying',
        );
        await this.pause(waitMs, ctx);
      }
    }
  }

  /**
   * Parks the record behind its aggregate's queue when that queue has a waiting record with a
   * lower offset on this partition. Not when the inbox says the group applied it already (a
   * redelivery): that is a duplicate, and parking it could apply it twice later.
   */
  private async parkedBehind(item: Pending, heads: QueueHeads, result: BatchResult): Promise<boolean> {
    const aggregateId = item.event.aggregateId;
    const queue = queueOf(item.record);
    const head = queue === undefined ? undefined : heads.get(queue);
    if (queue === undefined || head === undefined || head >= offsetOf(item.record)) return false;
    const group = this.options.handler.group;
    if ((await handledAlready(this.options.db, group, [item.event.eventId])).size > 0) {
      result.duplicates.push(item.event);
      return true;
    }
    const parked = await this.options.deadLetters.parkBehind({
      group,
      record: item.record,
      eventId: item.event.eventId,
      eventType: item.event.eventType,
      error: `parked behind an earlier dead letter of aggregate ${aggregateId} (offset ${head})`,
      attempts: 0,
    });
    if (!parked) {
      heads.delete(queue); // an operator released the queue meanwhile: apply it ourselves
      return false;
    }
    this.options.log.info(recordLogFields(item.record, item.event), 'parked behind its aggregate queue');
    this.options.hooks?.onParked?.(item.record.topic, 1);
    result.parked += 1;
    return true;
  }

  private async park(
    record: ConsumedRecord,
    event: CommerceEvent | undefined,
    error: string,
    attempts: number,
    heads: QueueHeads,
  ): Promise<void> {
    await this.options.deadLetters.park({
      group: this.options.handler.group,
      record,
      eventId: event?.eventId,
      eventType: event?.eventType,
      error,
      attempts,
    });
    const queue = queueOf(record);
    if (queue !== undefined && !heads.has(queue)) heads.set(queue, offsetOf(record));
    this.options.hooks?.onParked?.(record.topic, 1);
  }

  /** Sleeps in slices, heartbeating between them; a shutdown or a revocation abandons the batch. */
  private async pause(ms: number, ctx: BatchContext): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
      if (!ctx.isRunning()) throw new BatchAbandonedError('the consumer is stopping or lost the partition');
      const left = until - Date.now();
      if (left <= 0) return;
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS));
      await ctx.heartbeat();
    }
  }
}

function merge(result: BatchResult, outcome: ApplyOutcome): void {
  result.applied.push(...outcome.applied);
  result.duplicates.push(...outcome.duplicates);
  result.clamped += outcome.clamped ?? 0;
  result.drifted += outcome.drifted ?? 0;
}
