import { kafkaClient } from '@outbox/e2e';
async function main() {
  const admin = kafkaClient('x').admin(); await admin.connect();
  for (const g of ['metrics', 'cache-invalidation']) for (const topic of ['catalog-events', 'order-events']) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [c] = await admin.fetchOffsets({ groupId: g, topics: [topic] });
    console.log(g, topic, ends.map(e => `${e.partition}:${c?.partitions.find(p => p.partition === e.partition)?.offset}/${e.high}`).join(' '));
  }
  await admin.disconnect();
}
main();
