import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, kafkaClient, stack } from '@outbox/e2e';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError, type Kafka } from 'kafkajs';
import pino from 'pino';
import { GroupConsumer } from '../src/kafka/group-consumer';
import { createStreamerMetrics } from '../src/prometheus';
import { classify } from '../src/pipeline/classify';
import type { ConsumedRecord } from '../src/pipeline/record';

/**
 * A member that loses its place in the group while a batch runs (its session expired: a long
 * stall, a paused process, a coordinator that moved) must rejoin and get the batch again, not
 * stop consuming. On the cluster a broker kill did that: the commit answered "The coordinator is
 * not aware of this member", kafkajs gave up on the consumer and the streamer exited.
 */
describe('a member that lost its group membership', () => {
  const SESSION_MS = 6000; // the broker's smallest allowed session (group.min.session.timeout.ms)

  it('is recognised also when kafkajs wrapped the protocol error (its retrier does)', () => {
    // What kafkajs's commit throws then; its types declare only the message.
    const unknownMember = new KafkaJSProtocolError({
      type: 'UNKNOWN_MEMBER_ID',
      code: 25,
      retriable: false,
      message: 'The coordinator is not aware of this member',
    } as unknown as Error);
    // kafkajs's retrier: `new KafkaJSNonRetriableError(e, { cause: e })` (typed with one argument).
    const wrap = (e: Error): Error => Object.assign(new KafkaJSNonRetriableError(e), { cause: e });
    expect(classify(wrap(unknownMember)).kind).toBe('abandon');
    const down = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
    expect(classify(wrap(down))).toMatchObject({
      kind: 'wait',
      dependency: 'kafka',
    });
  });

  /** A paused process (a long GC, SIGSTOP): nothing runs, not even the heartbeat timer. */
  const freeze = (ms: number): void => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // busy: the event loop is blocked
    }
  };

  /**
   * A GroupConsumer on a fresh one-partition topic holding five records; `firstBatch` runs
   * inside the first batch delivered, later batches return at once.
   */
  async function consumerOnFreshTopic(name: string, firstBatch: () => Promise<unknown>) {
    const kafka = kafkaClient(name);
    const topic = `${name}-${randomUUID()}`;
    const groupId = `${name}-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    const fatal: Error[] = [];
    const batches: string[][] = [];
    const consumer = new GroupConsumer({
      kafka,
      groupId,
      topics: [topic],
      processor: {
        async process(records: ConsumedRecord[]) {
          batches.push(records.map((r) => r.offset));
          if (batches.length === 1) await firstBatch();
          return { applied: [], duplicates: [], parked: 0, clamped: 0, drifted: 0 };
        },
      },
      metrics: createStreamerMetrics(),
      log: pino({ level: 'silent' }),
      sessionTimeoutMs: SESSION_MS,
      partitionsConsumedConcurrently: 1,
      onFatal: (err) => fatal.push(err),
    });
    const close = async () => {
      await consumer.stop();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    };
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1, replicationFactor: stack.kafka.replicationFactor }],
        waitForLeaders: true,
      });
      await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: `r${i}` })) });
      await consumer.start();
    } catch (err) {
      await close();
      throw err;
    }
    return {
      consumer,
      fatal,
      /** How many times the first record was delivered. */
      deliveriesOfFirst: () => batches.filter((offsets) => offsets.includes('0')).length,
      committed: async (): Promise<string | undefined> => {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return entry?.partitions[0]?.offset;
      },
      close,
    };
  }

  it('abandons the batch without committing, rejoins and applies it again', async () => {
    // The first batch freezes the process longer than the session.
    const run = await consumerOnFreshTopic('membership', async () => {
      await sleep(100); // the fetch loop settles first
      freeze(SESSION_MS + 3000);
    });
    try {
      await eventually('the batch committed by the rejoined member', async () => {
        if (run.fatal.length > 0) throw new Error(`the consumer stopped for good: ${run.fatal[0]?.message}`);
        return (await run.committed()) === '5' ? true : undefined;
      });
      expect(run.fatal).toEqual([]);
      // Delivered twice: the stalled member's commit was refused, the rejoined member got it again.
      expect(run.deliveriesOfFirst()).toBeGreaterThanOrEqual(2);
      expect(run.consumer.isMember()).toBe(true);
    } finally {
      await run.close();
    }
  }, 90_000);

  it('keeps its membership while a batch waits on a dependency longer than the session (no redelivery)', async () => {
    // A dependency call that hangs for twice the session (a Redis CLIENT PAUSE, a held lock):
    // the event loop is free, nothing calls heartbeat() meanwhile.
    const run = await consumerOnFreshTopic('membership-wait', () => sleep(2 * SESSION_MS));
    try {
      await eventually('the batch committed', async () => ((await run.committed()) === '5' ? true : undefined));
      // Delivered once: the member was never evicted, so nothing was redelivered or rejoined.
      expect(run.deliveriesOfFirst()).toBe(1);
      expect(run.fatal).toEqual([]);
      expect(run.consumer.isMember()).toBe(true);
    } finally {
      await run.close();
    }
  }, 90_000);
});

/**
 * What the consumer does when kafkajs reports a crash it will not restart: the kafkajs side is a
 * stand-in here (the real broker cannot be made to produce each crash on demand; the test above
 * drives the real one), so these pin the decisions of GroupConsumer alone.
 */
describe('a kafkajs crash that kafkajs does not restart', () => {
  // What kafkajs's retrier throws for a refused commit: the protocol error wrapped, type in `cause`.
  const unknownMember = (): Error => {
    const cause = new KafkaJSProtocolError({
      type: 'UNKNOWN_MEMBER_ID',
      code: 25,
      retriable: false,
      message: 'The coordinator is not aware of this member',
    } as unknown as Error);
    return Object.assign(new KafkaJSNonRetriableError(cause), { cause });
  };

  class StandInConsumer extends EventEmitter {
    readonly events = { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop', DISCONNECT: 'disconnect' };
    runs = 0;
    disconnects = 0;
    /** When set, connect() waits for it (a rejoin in progress). */
    connectGate: Promise<void> | undefined;
    async connect(): Promise<void> {
      await this.connectGate;
    }
    async subscribe(): Promise<void> {}
    async run(): Promise<void> {
      this.runs += 1;
    }
    pause(): void {}
    async disconnect(): Promise<void> {
      this.disconnects += 1;
    }
    crash(error: Error): void {
      this.emit('crash', { payload: { error, restart: false, groupId: 'g' } });
    }
  }

  const consumerOn = (standIn: StandInConsumer, fatal: Error[]): GroupConsumer =>
    new GroupConsumer({
      kafka: { consumer: () => standIn } as unknown as Kafka,
      groupId: 'g',
      topics: ['t'],
      processor: { process: async () => ({ applied: [], duplicates: [], parked: 0, clamped: 0, drifted: 0 }) },
      metrics: createStreamerMetrics(),
      log: pino({ level: 'silent' }),
      sessionTimeoutMs: 6000,
      partitionsConsumedConcurrently: 1,
      onFatal: (err) => fatal.push(err),
    });

  it('joins again after a lost membership, and gives up (onFatal) on anything else', async () => {
    const standIn = new StandInConsumer();
    const fatal: Error[] = [];
    const consumer = consumerOn(standIn, fatal);
    await consumer.start();
    standIn.crash(unknownMember());
    await eventually('the consumer running again', async () => (standIn.runs === 2 ? true : undefined));
    expect(fatal).toEqual([]);

    const other = new Error('SASL authentication failed');
    standIn.crash(other);
    await sleep(50);
    expect(fatal).toEqual([other]);
    expect(standIn.runs).toBe(2);
  });

  it('a shutdown during the rejoin waits for it and leaves nothing running', async () => {
    const standIn = new StandInConsumer();
    const fatal: Error[] = [];
    const consumer = consumerOn(standIn, fatal);
    await consumer.start();
    let open = (): void => undefined;
    standIn.connectGate = new Promise((resolve) => (open = resolve));
    standIn.crash(unknownMember()); // the rejoin now waits in connect()
    const stopped = consumer.stop();
    await sleep(50);
    expect(standIn.disconnects).toBe(0); // stop() waits for the rejoin
    open();
    await stopped;
    expect(standIn.runs).toBe(1); // the rejoin saw the shutdown and did not run the consumer
    expect(standIn.disconnects).toBe(1);
    expect(fatal).toEqual([]);
  });
});
