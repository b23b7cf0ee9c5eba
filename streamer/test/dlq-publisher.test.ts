import { randomUUID } from 'node:crypto';
import { dlqRecordLimit, ensureTopics, maxMessageBytes, type TopicSpec } from '@outbox/connect';
import { applyMigrations, createStreamerClient, streamerMigrationsDir, type StreamerClient } from '@outbox/db';
import { endpoints, eventually, kafkaClient, queryDb, uniqueName } from '@outbox/e2e';
import {
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  Partitioners,
  type Admin,
  type IHeaders,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import pino from 'pino';
import { DeadLetters } from '../src/dlq/dead-letters';
import { DlqPublisher, refusedForGood } from '../src/dlq/dlq-publisher';
import { fromRaw, toConsumedRecord, type RawHeader } from '../src/pipeline/record';

/**
 * The copy of a dead letter in `<topic>.dlq`, against the real Kafka and PostgreSQL of the test
 * stack, on throw-away topics and a throw-away streamer database (the publisher copies every
 * waiting row, and the shared database holds the rows of other tests): the copy is the parked
 * record byte for byte, and a Kafka outage only delays it.
 */
describe('DLQ publisher', () => {
  const database = uniqueName('dlq_publisher');
  let db: StreamerClient;
  let deadLetters: DeadLetters;
  const log = pino({ level: 'silent' });
  const kafka = kafkaClient('dlq-publisher-test');
  const created: string[] = [];
  let admin: Admin;
  let producer: Producer;

  /** Like the streamer's producer, with few retries so that an outage exhausts them quickly. */
  const newProducer = () =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 3 },
    });

  /** A throw-away event topic and its dead-letter topic, created (when missing) as `connect apply` creates them. */
  async function topicPair(prefix: string, unique = true): Promise<string> {
    const topic = unique ? uniqueName(prefix) : prefix;
    created.push(topic, `${topic}.dlq`);
    const spec = (name: string): TopicSpec => ({
      topic: name,
      numPartitions: 1,
      configEntries: [{ name: 'retention.ms', value: '3600000' }],
    });
    await ensureTopics(admin, [spec(topic), { ...spec(`${topic}.dlq`), deadLettersOf: topic }]);
    return topic;
  }

  const causeTypes = (err: unknown): unknown[] =>
    err instanceof Error ? [(err as { type?: unknown }).type, ...causeTypes(err.cause)] : [];

  /** The Kafka error type a single write to the topic is refused with (the first one in the cause chain). */
  async function refusedWith(topic: string): Promise<unknown> {
    const probe = kafka.producer({ retry: { retries: 0 } });
    await probe.connect();
    try {
      await probe.send({ topic, acks: -1, messages: [{ value: 'probe' }] });
      return undefined;
    } catch (err) {
      return causeTypes(err).find((type) => type !== undefined);
    } finally {
      await probe.disconnect();
    }
  }

  /** Every record of the topic from its start, once `count` arrived. */
  async function readAll(topic: string, count: number): Promise<KafkaMessage[]> {
    const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader'), maxBytesPerPartition: 8 * 1024 * 1024 });
    const messages: KafkaMessage[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void messages.push(message) });
      await eventually(`${count} record(s) in ${topic}`, async () => (messages.length >= count ? true : undefined));
    } finally {
      await consumer.disconnect();
    }
    return messages;
  }

  /** Produces the record to the topic, consumes it back and parks it, as the pipeline does. */
  async function parkFromKafka(
    topic: string,
    group: string,
    message: { key: Buffer; value: Buffer; headers: IHeaders },
  ) {
    await producer.send({ topic, acks: -1, messages: [{ ...message, partition: 0 }] });
    const [consumed] = await readAll(topic, 1);
    if (!consumed) throw new Error(`nothing read back from ${topic}`);
    const record = toConsumedRecord(topic, 0, consumed);
    await deadLetters.park({ group, record, error: 'x'.repeat(900), attempts: 3 });
    return db.deadLetter.findFirstOrThrow({ where: { consumerGroup: group, topic } });
  }

  /** Whether the row was copied to its .dlq topic, and why not if Kafka refused it for good. */
  const outcomeOf = async (id: bigint) => {
    const row = await db.deadLetter.findUniqueOrThrow({ where: { id } });
    return { published: row.publishedAt !== null, publishError: row.publishError };
  };
  const SENT = { published: true, publishError: null };

  /** Headers as kafkajs takes them: a name's values in one array, in their order. */
  const headersOf = (list: RawHeader[]): IHeaders => {
    const headers = Object.create(null) as Record<string, (Buffer | null)[]>;
    for (const { name, value } of list) (headers[name] ??= []).push(value);
    return headers as unknown as IHeaders;
  };

  /** The headers of a consumed record as (name, value) pairs; kafkajs groups repeated names. */
  const pairsOf = (headers: IHeaders | undefined): RawHeader[] =>
    Object.entries(headers ?? {}).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => ({
        name,
        value: v === null ? null : Buffer.from(v as Buffer),
      })),
    );

  beforeAll(async () => {
    await queryDb('postgres', `CREATE DATABASE ${database}`);
    await applyMigrations({ databaseUrl: endpoints.postgresUrl(database), migrationsDir: streamerMigrationsDir });
    db = createStreamerClient(endpoints.postgresUrl(database));
    deadLetters = new DeadLetters(db);
    admin = kafka.admin();
    await admin.connect();
    producer = newProducer();
    await producer.connect();
  });
  afterAll(async () => {
    const existing = new Set(await admin.listTopics());
    const topics = created.filter((t) => existing.has(t));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await producer.disconnect();
    await db.$disconnect();
    await queryDb('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('copies a record near the maximum size with null, repeated, dlq.* and binary headers byte for byte', async () => {
    const topic = await topicPair('dlq-copy');
    const group = uniqueName('copy');
    const originals: RawHeader[] = [
      { name: 'id', value: Buffer.from(randomUUID()) },
      { name: 'traceparent', value: null },
      { name: 'rep', value: Buffer.from('first') },
      { name: 'rep', value: null },
      { name: 'rep', value: Buffer.from([0x00, 0xff, 0x00]) },
      { name: 'dlq.error', value: Buffer.from('an original header, not ours') },
      { name: 'dlq.dlq.group', value: Buffer.from('a copy of a copy') },
      { name: 'bin\u0000name', value: Buffer.from([0xc3, 0x28, 0x00, 0xfe, 0xff]) },
    ];
    const headers = headersOf(originals);
    const key = Buffer.from([0x6b, 0x00, 0xff]);
    // As large as the source topic accepts: its limit less the batch and record framing (under 400 bytes here).
    const limit = await maxMessageBytes(admin, topic);
    const value = Buffer.alloc(limit - 400, 0xc3);
    value[0] = 0x00;

    const row = await parkFromKafka(topic, group, { key, value, headers });
    expect(await maxMessageBytes(admin, `${topic}.dlq`)).toBe(dlqRecordLimit(limit));
    await new DlqPublisher(db, producer, log).publishPending();
    expect(await outcomeOf(row.id)).toEqual(SENT);

    const [copy] = await readAll(`${topic}.dlq`, 1);
    expect(Buffer.compare(copy?.key as Buffer, key)).toBe(0);
    expect(Buffer.compare(copy?.value as Buffer, value)).toBe(0);
    const pairs = pairsOf(copy?.headers);
    const ours = pairs.filter((h) => /^dlq\.(?!dlq\.)/.test(h.name));
    const theirs = pairs.filter((h) => !ours.includes(h)).map((h) => ({ ...h, name: h.name.replace(/^dlq\./, '') }));
    // kafkajs writes a name's values together, in their order: compare in that grouping.
    const grouped = (list: RawHeader[]) =>
      [...new Set(list.map((h) => h.name))].map((name) => [
        name,
        list.filter((h) => h.name === name).map((h) => h.value),
      ]);
    expect(grouped(theirs)).toEqual(grouped(originals));
    expect(Object.fromEntries(ours.map((h) => [h.name, h.value?.toString()]))).toEqual({
      'dlq.id': row.id.toString(),
      'dlq.group': group,
      'dlq.topic': topic,
      'dlq.partition': '0',
      'dlq.offset': '0',
      'dlq.attempts': '3',
      'dlq.error': 'x'.repeat(900),
    });
  });

  it('copies a record near the maximum size made of headers named dlq.* (each one grows by the escaping)', async () => {
    const topic = await topicPair('dlq-escaped');
    const group = uniqueName('escaped');
    const count = 20_000; // 8 bytes each in the record, 4 more in the copy: 80,000 bytes more in all
    const originals = Array.from({ length: count }, (_, i) => ({ name: 'dlq.r', value: Buffer.from([i % 256]) }));
    const value = Buffer.alloc((await maxMessageBytes(admin, topic)) - count * 8 - 400, 0x61);

    const row = await parkFromKafka(topic, group, { key: Buffer.from('k'), value, headers: headersOf(originals) });
    await new DlqPublisher(db, producer, log).publishPending();
    expect(await outcomeOf(row.id)).toEqual(SENT);

    const [copy] = await readAll(`${topic}.dlq`, 1);
    expect(Buffer.compare(copy?.value as Buffer, value)).toBe(0);
    const copied = pairsOf(copy?.headers).filter((h) => h.name === 'dlq.dlq.r');
    expect(copied.map((h) => h.value)).toEqual(originals.map((h) => h.value));
  });

  it('copies a record whose key is near the maximum size (its partition is not found by hashing the key)', async () => {
    const topic = await topicPair('dlq-long-key');
    const group = uniqueName('long-key');
    // kafkajs's murmur2 needs minutes for a key of a megabyte: longer than the claiming transaction may last.
    const key = Buffer.alloc((await maxMessageBytes(admin, topic)) - 400, 0xff);
    const row = await parkFromKafka(topic, group, { key, value: Buffer.from('v'), headers: {} });
    await new DlqPublisher(db, producer, log).publishPending();
    expect(await outcomeOf(row.id)).toEqual(SENT);
    const [copy] = await readAll(`${topic}.dlq`, 1);
    expect(Buffer.compare(copy?.key as Buffer, key)).toBe(0);
  });

  it('waits out a DLQ topic unavailable long enough to exhaust the retries, then publishes the row (no publish_error)', async () => {
    const topic = await topicPair('dlq-outage');
    const group = uniqueName('outage');
    const row = await parkFromKafka(topic, group, { key: Buffer.from('k'), value: Buffer.from('v'), headers: {} });
    const healthy = await topicPair('dlq-healthy');
    const later = await parkFromKafka(healthy, group, { key: Buffer.from('k'), value: Buffer.from('w'), headers: {} });
    // Without its topic every write is refused with UNKNOWN_TOPIC_OR_PARTITION, which is retriable,
    // until the topic is back. (A single broker cannot be made to refuse for want of replicas:
    // Kafka caps min.insync.replicas at a partition's replica count.)
    await admin.deleteTopics({ topics: [`${topic}.dlq`] });
    await eventually('writes to the deleted DLQ topic refused', async () =>
      (await refusedWith(`${topic}.dlq`)) === 'UNKNOWN_TOPIC_OR_PARTITION' ? true : undefined,
    );
    const publisher = new DlqPublisher(db, producer, log);
    await publisher.publishPending();
    await publisher.publishPending();
    expect(await outcomeOf(row.id)).toEqual({ published: false, publishError: null });
    expect(await outcomeOf(later.id)).toEqual(SENT); // the rows of other topics do not wait behind it

    await topicPair(topic, false);
    const after = await eventually('the dead letter published once its topic is back', async () => {
      await publisher.publishPending();
      const outcome = await outcomeOf(row.id);
      return outcome.published ? outcome : undefined;
    });
    expect(after).toEqual(SENT);
    expect((await readAll(`${topic}.dlq`, 1)).map((m) => m.value?.toString())).toEqual(['v']);
  });

  it('keeps a copy Kafka refuses for good (larger than the DLQ topic takes) with its reason; the next row is published', async () => {
    const topic = await topicPair('dlq-refused');
    const group = uniqueName('refused');
    const tooLarge = (await maxMessageBytes(admin, `${topic}.dlq`)) + 1;
    const park = (offset: number, value: Buffer) =>
      deadLetters.park({
        group,
        record: fromRaw(topic, 0, String(offset), Buffer.from('k'), [], value),
        error: 'poison',
        attempts: 1,
      });
    await park(1, Buffer.alloc(tooLarge, 0x61));
    await park(2, Buffer.from('small'));
    await new DlqPublisher(db, producer, log).publishPending();
    const rows = await db.deadLetter.findMany({ where: { consumerGroup: group }, orderBy: { offset: 'asc' } });
    expect(rows.map((r) => ({ sent: r.publishedAt !== null, publishError: r.publishError }))).toEqual([
      { sent: false, publishError: expect.stringMatching(/larger than the max message size/) },
      { sent: true, publishError: null },
    ]);
  });
});

/** How a failed send is classified, on the errors kafkajs raises (no broker needed). */
describe('refusedForGood', () => {
  const protocolError = (type: string, retriable: boolean) =>
    new KafkaJSProtocolError({ type, code: 0, retriable, message: type } as unknown as Error);
  const exhausted = (cause: Error) =>
    new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 1000 } as never);

  it('counts only Kafka refusing the record itself, found anywhere in the cause chain', () => {
    expect(refusedForGood(protocolError('MESSAGE_TOO_LARGE', false))).toBe(true);
    expect(refusedForGood(exhausted(protocolError('CORRUPT_MESSAGE', true)))).toBe(true);
    expect(refusedForGood(exhausted(exhausted(protocolError('INVALID_RECORD', false))))).toBe(true);
  });

  it('takes exhausted retries of a retriable error, and other failures, as a moment', () => {
    const unavailable = exhausted(protocolError('NOT_ENOUGH_REPLICAS', true));
    expect(unavailable.retriable).toBe(false); // what the earlier classification went by
    expect(refusedForGood(unavailable)).toBe(false);
    expect(refusedForGood(exhausted(protocolError('UNKNOWN_TOPIC_OR_PARTITION', true)))).toBe(false);
    expect(refusedForGood(new KafkaJSNonRetriableError(protocolError('TOPIC_AUTHORIZATION_FAILED', false)))).toBe(
      false,
    );
    expect(refusedForGood(new Error('connection reset'))).toBe(false);
  });
});
