import { randomBytes } from 'node:crypto';
import { endpointsOf, loadStackConfig } from '@outbox/config';
import { ConfigResourceTypes, ConfigSource, Kafka, logLevel, type Admin } from 'kafkajs';
import { dlqRecordLimit, ensureTopics, maxMessageBytes, PartitionCountChangeRefused, type TopicSpec } from '../src';

/**
 * `connect apply` creates missing topics but never changes the partition count of an existing
 * one (docs/operations.md): against the real Kafka of the test stack, with throw-away topic names.
 */
describe('ensureTopics (connect apply)', () => {
  const kafka = new Kafka({
    clientId: 'connect-topics-test',
    brokers: endpointsOf(loadStackConfig(), 'tester').kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;
  const created: string[] = [];
  const name = (prefix: string): string => {
    const topic = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    created.push(topic, `${topic}.dlq`);
    return topic;
  };
  const spec = (topic: string, numPartitions: number): TopicSpec => ({
    topic,
    numPartitions,
    configEntries: [{ name: 'retention.ms', value: '3600000' }],
  });
  const dlqSpec = (source: string): TopicSpec => ({ ...spec(`${source}.dlq`, 3), deadLettersOf: source });
  const ownConfigOf = async (topic: string): Promise<Record<string, string>> => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    const entries = resources[0]?.configEntries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG) ?? [];
    return Object.fromEntries(entries.map((e) => [e.configName, e.configValue]));
  };
  const partitionsOf = async (topic: string): Promise<number> =>
    (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 0;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    const existing = new Set(await admin.listTopics());
    const topics = created.filter((t) => existing.has(t));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates missing topics with their partition count, and is idempotent', async () => {
    const topic = name('topics-create');
    expect(await ensureTopics(admin, [spec(topic, 3)])).toEqual([topic]);
    expect(await partitionsOf(topic)).toBe(3);
    expect(await ensureTopics(admin, [spec(topic, 3)])).toEqual([]);
    expect(await partitionsOf(topic)).toBe(3);
  });

  it('refuses to grow an existing event topic, naming the topic, both counts and the safe procedure', async () => {
    const topic = name('topics-grow');
    await ensureTopics(admin, [spec(topic, 3)]);

    const refused = await ensureTopics(admin, [spec(topic, 6)]).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(PartitionCountChangeRefused);
    expect((refused as PartitionCountChangeRefused).mismatches).toEqual([{ topic, current: 3, wanted: 6 }]);
    const message = (refused as Error).message;
    expect(message).toContain(`${topic} has 3 partitions, the configuration wants 6`);
    expect(message).toContain('break the order of events per aggregate');
    expect(message).toMatch(/keep the current count/);
    expect(message).toMatch(/create a new topic\s+with the new count/);
    expect(message).toMatch(/drain the old topic/);
    // Nothing moved: the keys of this topic still hash to the same 3 partitions.
    expect(await partitionsOf(topic)).toBe(3);
  });

  it('refuses a lower configured count instead of ignoring it', async () => {
    const topic = name('topics-shrink');
    await ensureTopics(admin, [spec(topic, 3)]);
    const refused = await ensureTopics(admin, [spec(topic, 2)]).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(PartitionCountChangeRefused);
    expect((refused as Error).message).toContain(
      `${topic} has 3 partitions, the configuration wants 2: Kafka cannot remove partitions`,
    );
    expect(await partitionsOf(topic)).toBe(3);
  });

  it('refuses a DLQ topic growth too, and changes nothing when refusing (no topic created either)', async () => {
    const topic = name('topics-dlq');
    await ensureTopics(admin, [spec(topic, 3), spec(`${topic}.dlq`, 3)]);
    const fresh = name('topics-fresh');

    const refused = await ensureTopics(admin, [spec(topic, 3), spec(`${topic}.dlq`, 4), spec(fresh, 3)]).catch(
      (err: unknown) => err,
    );
    expect((refused as PartitionCountChangeRefused).mismatches).toEqual([
      { topic: `${topic}.dlq`, current: 3, wanted: 4 },
    ]);
    expect(await partitionsOf(`${topic}.dlq`)).toBe(3);
    expect(await admin.listTopics()).not.toContain(fresh);
  });

  it("gives a new DLQ topic room for a copy of its source topic's largest record", async () => {
    const topic = name('topics-dlq-size');
    const source = {
      ...spec(topic, 3),
      configEntries: [{ name: 'max.message.bytes', value: String(3 * 1024 * 1024) }],
    };
    expect(await ensureTopics(admin, [source, dlqSpec(topic)])).toEqual([topic, `${topic}.dlq`]);
    expect(await maxMessageBytes(admin, `${topic}.dlq`)).toBe(dlqRecordLimit(3 * 1024 * 1024));
    // A source without its own limit has the broker's (message.max.bytes).
    const plain = name('topics-dlq-default');
    await ensureTopics(admin, [spec(plain, 3), dlqSpec(plain)]);
    expect(await maxMessageBytes(admin, `${plain}.dlq`)).toBe(dlqRecordLimit(await maxMessageBytes(admin, plain)));
  });

  it('raises the record limit of an existing DLQ topic, keeping its other settings, and never lowers it', async () => {
    const topic = name('topics-dlq-raise');
    const oldDlq = { ...spec(`${topic}.dlq`, 3), configEntries: [{ name: 'retention.ms', value: '-1' }] };
    await ensureTopics(admin, [spec(topic, 3), oldDlq]);
    const before = await maxMessageBytes(admin, `${topic}.dlq`);
    expect(before).toBe(await maxMessageBytes(admin, topic));

    expect(await ensureTopics(admin, [spec(topic, 3), dlqSpec(topic)])).toEqual([]);
    expect(await ownConfigOf(`${topic}.dlq`)).toEqual({
      'retention.ms': '-1',
      'max.message.bytes': String(dlqRecordLimit(before)),
    });

    const larger = String(dlqRecordLimit(before) + 1);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: `${topic}.dlq`,
          configEntries: [{ name: 'max.message.bytes', value: larger }],
        },
      ],
    });
    await ensureTopics(admin, [spec(topic, 3), dlqSpec(topic)]);
    expect(await maxMessageBytes(admin, `${topic}.dlq`)).toBe(Number(larger));
  });
});
