import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { StreamerMetrics } from '../metrics';
import type { BatchResult, PartitionProcessor } from '../pipeline/partition-processor';
import { recordLogFields, toConsumedRecord, type ConsumedRecord } from '../pipeline/record';
import { RecordSpans } from './record-spans';

export interface GroupConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  processor: PartitionProcessor;
  metrics: StreamerMetrics;
  log: Logger;
  sessionTimeoutMs: number;
  partitionsConsumedConcurrently: number;
  /** kafkajs gave up on this consumer (a crash it does not restart): the process cannot go on consuming. */
  onFatal?: (err: Error) => void;
  /** Fault injection (crash test): called after the effects committed, before the offsets do. */
  afterDbCommit?: () => void;
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

  constructor(private readonly o: GroupConsumerOptions) {
    this.consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: Math.floor(o.sessionTimeoutMs / 3),
      maxWaitTimeInMs: 100,
    });
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      this.member = true;
      o.log.info({ group: o.groupId, assignment: e.payload.memberAssignment }, 'joined the consumer group');
    });
    for (const event of [CRASH, STOP, DISCONNECT]) this.consumer.on(event, () => (this.member = false));
    this.consumer.on(CRASH, (e) => {
      const { error, restart } = e.payload;
      o.log.error({ err: error, group: o.groupId, restart }, 'consumer crashed');
      // A retriable crash is restarted by kafkajs; any other leaves a process that consumes nothing.
      if (!restart) o.onFatal?.(error);
    });
  }

  /** True while this process is a member of its group (readiness). */
  isMember(): boolean {
    return this.member;
  }

  async start(): Promise<void> {
    const { o } = this;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: o.topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0 || isStale()) return;
        const stopTimer = o.metrics.batchDuration.startTimer({ group: o.groupId });
        const records = batch.messages.map((m) => toConsumedRecord(batch.topic, batch.partition, m));
        const spans = new RecordSpans(o.groupId, records);
        let result: BatchResult;
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        try {
          result = await o.processor.process(records, { heartbeat, isRunning });
          if (result.applied.length > 0) o.afterDbCommit?.();
          // Both are needed: resolveOffset moves this consumer's fetch position past the batch,
          // commitOffsets makes the position durable for the group (a restart resumes there).
          resolveOffset(batch.lastOffset());
          await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        } catch (err) {
          spans.fail(err);
          throw err;
        }
        spans.end(result);
        if (o.log.isLevelEnabled('debug')) this.logEvents(records, result);

        stopTimer();
        o.metrics.batchSize.observe({ group: o.groupId }, records.length);
        for (const e of result.applied) o.metrics.eventsApplied.inc({ group: o.groupId, event_type: e.eventType });
        for (const e of result.duplicates)
          o.metrics.duplicatesSkipped.inc({ group: o.groupId, event_type: e.eventType });
        if (result.parked > 0) o.metrics.deadLettered.inc({ group: o.groupId, topic: batch.topic }, result.parked);
        const lag = Number(BigInt(batch.highWatermark) - BigInt(next));
        o.metrics.lag.set(
          { group: o.groupId, topic: batch.topic, partition: String(batch.partition) },
          Math.max(0, lag),
        );
        o.log.debug(
          {
            group: o.groupId,
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
      },
    });
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

  /** Graceful: the running batches finish and commit, then the member leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
    this.member = false;
  }
}
