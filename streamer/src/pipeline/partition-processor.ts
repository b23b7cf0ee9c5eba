import { setTimeout as sleep } from 'node:timers/promises';
import type { CommerceEvent, EventCodec } from '@outbox/events';
import type { Logger } from 'pino';
import type { DeadLetters } from '../dlq/dead-letters';
import type { EventHandler } from '../handlers/handler';
import type { BackoffStrategy } from '../strategies/backoff';
import { decodeRecord } from './decode';
import { aggregateOf, recordLogFields, type ConsumedRecord } from './record';

export interface BatchResult {
  applied: CommerceEvent[];
  duplicates: CommerceEvent[];
  parked: number;
}

export interface ProcessorOptions {
  handler: EventHandler;
  codec: EventCodec;
  deadLetters: DeadLetters;
  applyMode: 'batch' | 'single';
  maxAttempts: number;
  backoff: BackoffStrategy;
  log: Logger;
}

export interface BatchContext {
  heartbeat(): Promise<void>;
  isRunning(): boolean;
}

interface Pending {
  record: ConsumedRecord;
  event: CommerceEvent;
}

/**
 * Turns one partition's records into effects, strictly in order:
 * decode -> park what can never be applied (and everything of its aggregate behind it) ->
 * apply the rest through the group's handler (inbox + effect in one transaction) with
 * bounded, backed-off retries -> park a record that still fails. Infrastructure outages
 * (database, Redis, registry) retry the whole batch until they pass: nothing is skipped.
 */
export class PartitionProcessor {
  constructor(private readonly o: ProcessorOptions) {}

  async process(records: ConsumedRecord[], ctx: BatchContext): Promise<BatchResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.processOnce(records, ctx);
      } catch (err) {
        if (!ctx.isRunning()) throw err;
        const waitMs = this.o.backoff(attempt);
        this.o.log.error(
          { err, attempt, waitMs, topic: records[0]?.topic, partition: records[0]?.partition },
          'batch failed; retrying the whole batch',
        );
        await sleep(waitMs);
        await ctx.heartbeat();
      }
    }
  }

  private async processOnce(records: ConsumedRecord[], ctx: BatchContext): Promise<BatchResult> {
    const { handler, codec, deadLetters } = this.o;
    const group = handler.group;
    const decoded = await Promise.all(records.map((r) => decodeRecord(codec, r)));
    const aggregates = [...new Set(records.map(aggregateOf).filter((a): a is string => a !== undefined))];
    const blocked = await deadLetters.blockedAggregates(group, aggregates);
    const pending: Pending[] = [];
    let parked = 0;

    for (const item of decoded) {
      const aggregateId = aggregateOf(item.record) ?? (item.ok ? item.event.aggregateId : undefined);
      if (!item.ok) {
        this.o.log.warn({ ...recordLogFields(item.record), aggregateId, error: item.error }, 'poison record parked');
        await deadLetters.park({ group, record: item.record, aggregateId, error: item.error, attempts: 1 });
        if (aggregateId) blocked.add(aggregateId);
        parked += 1;
        continue;
      }
      if (!handler.handles(item.event)) continue;
      if (aggregateId && blocked.has(aggregateId) && (await this.parkBehind(item, aggregateId))) {
        parked += 1;
        continue;
      }
      if (aggregateId) blocked.delete(aggregateId);
      pending.push(item);
    }
    await ctx.heartbeat();

    if (this.o.applyMode === 'batch' && pending.length > 0) {
      const outcome = await this.withRetries(() => handler.apply(pending.map((p) => p.event)), ctx).catch(
        () => undefined,
      );
      if (outcome) return { ...outcome, parked };
      this.o.log.warn(
        { group, events: pending.length },
        'batch kept failing; applying its events one at a time to isolate the failing one',
      );
    }
    const result = await this.applyOneByOne(pending, blocked, ctx);
    return { ...result, parked: parked + result.parked };
  }

  /** Single mode, and the fallback of a failing batch: one event per transaction, in order. */
  private async applyOneByOne(pending: Pending[], blocked: Set<string>, ctx: BatchContext): Promise<BatchResult> {
    const result: BatchResult = { applied: [], duplicates: [], parked: 0 };
    for (const item of pending) {
      const aggregateId = item.event.aggregateId;
      if (blocked.has(aggregateId) && (await this.parkBehind(item, aggregateId))) {
        result.parked += 1;
        continue;
      }
      try {
        const outcome = await this.withRetries(() => this.o.handler.apply([item.event]), ctx);
        result.applied.push(...outcome.applied);
        result.duplicates.push(...outcome.duplicates);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        this.o.log.warn(
          { ...recordLogFields(item.record, item.event), error },
          'event failed after every attempt; parked',
        );
        await this.o.deadLetters.park({
          group: this.o.handler.group,
          record: item.record,
          aggregateId,
          eventId: item.event.eventId,
          eventType: item.event.eventType,
          error,
          attempts: this.o.maxAttempts,
        });
        blocked.add(aggregateId);
        result.parked += 1;
      }
      // One event per transaction can outlast the session timeout over a large batch: stay in
      // the group (kafkajs sends at most one heartbeat per heartbeat interval).
      await ctx.heartbeat();
    }
    return result;
  }

  private async parkBehind(item: Pending, aggregateId: string): Promise<boolean> {
    const parked = await this.o.deadLetters.parkBehind({
      group: this.o.handler.group,
      record: item.record,
      aggregateId,
      eventId: item.event.eventId,
      eventType: item.event.eventType,
      error: `parked behind an earlier dead letter of aggregate ${aggregateId}`,
      attempts: 0,
    });
    if (parked) this.o.log.info(recordLogFields(item.record, item.event), 'parked behind its aggregate queue');
    return parked;
  }

  private async withRetries<T>(work: () => Promise<T>, ctx: BatchContext): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (err) {
        if (attempt >= this.o.maxAttempts || !ctx.isRunning()) throw err;
        const waitMs = this.o.backoff(attempt);
        this.o.log.warn({ err, attempt, waitMs }, 'apply failed; retrying');
        await sleep(waitMs);
        await ctx.heartbeat();
      }
    }
  }
}
