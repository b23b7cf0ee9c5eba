import { kafkaClient } from './stack-under-test';

const PIPELINE_TOPICS = ['catalog-events', 'order-events'];

/**
 * Commits the current end offsets for new consumer groups, so a streamer started with them
 * handles only what comes next (not the whole history other tests left in the topics).
 */
export async function startGroupsAtEnd(groupIds: string[], topics: string[] = PIPELINE_TOPICS): Promise<void> {
  const admin = kafkaClient('groups-at-end').admin();
  await admin.connect();
  try {
    for (const groupId of groupIds) {
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId,
          topic,
          partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
        });
      }
    }
  } finally {
    await admin.disconnect();
  }
}
