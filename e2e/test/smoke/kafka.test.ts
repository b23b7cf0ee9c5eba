import type { Admin, Consumer, Producer } from 'kafkajs';
import { eventually, kafkaClient, uniqueName } from '../../src';

describe('Kafka', () => {
  const kafka = kafkaClient('smoke-kafka');
  const topic = uniqueName('smoke-kafka');
  const groupId = uniqueName('smoke-group');
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer();
    consumer = kafka.consumer({ groupId });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  });

  afterAll(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('is a 4.x KRaft cluster that does not auto-create topics', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    const missing = uniqueName('never-created');
    await expect(
      producer.send({ topic: missing, acks: -1, timeout: 3000, messages: [{ value: 'x' }] }),
    ).rejects.toThrow();
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('creates a topic with 3 partitions, then produces, consumes and commits keyed records', async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);

    const keys = ['product-1', 'product-2', 'product-3', 'product-1'];
    await producer.send({ topic, acks: -1, messages: keys.map((key, i) => ({ key, value: `event-${i}` })) });

    const received: { key: string; value: string; partition: number; offset: string }[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        received.push({ key: String(message.key), value: String(message.value), partition, offset: message.offset });
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    await eventually('4 records', async () => (received.length === 4 ? received : undefined));

    expect(received.map((r) => r.value).sort()).toEqual(['event-0', 'event-1', 'event-2', 'event-3']);
    const product1 = received.filter((r) => r.key === 'product-1');
    expect(new Set(product1.map((r) => r.partition)).size).toBe(1); // one key, one partition
    expect(product1.map((r) => r.value)).toEqual(['event-0', 'event-3']); // in produce order

    await consumer.stop();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const total = committed[0]?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(total).toBe(4);
  });
});
