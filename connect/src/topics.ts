import type { Admin } from 'kafkajs';
import type { TopicSpec } from './connector';

/**
 * Creates the missing topics with their partitions and configs; existing topics are kept,
 * and one with fewer partitions than wanted is grown (never shrunk: Kafka cannot).
 * Returns the names created.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.numPartitions,
        replicationFactor: -1,
        configEntries: s.configEntries,
      })),
    });
  }
  const present = specs.filter((s) => existing.has(s.topic));
  if (present.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
    const grow = present.filter((s) => {
      const current = metadata.topics.find((t) => t.name === s.topic)?.partitions.length ?? 0;
      return current < s.numPartitions;
    });
    if (grow.length > 0)
      await admin.createPartitions({ topicPartitions: grow.map((s) => ({ topic: s.topic, count: s.numPartitions })) });
  }
  return missing.map((s) => s.topic);
}
