import { DEFAULT_GROUP_IDS } from '@outbox/config';
import { kafkaClient } from './stack-under-test';

/**
 * Consumer groups of a run of its own (chaos, the cluster proof), so the default groups' offsets
 * are not touched. Their names start with the default ids: on the cluster the streamer's
 * principal may read only groups whose names do (docs/security.md).
 */
export function runGroupIds(run: string, seed: number): { metrics: string; cacheInvalidation: string } {
  const suffix = `${run}_${seed}_${Date.now().toString(36)}`;
  return {
    metrics: `${DEFAULT_GROUP_IDS.metrics}-${suffix}`,
    cacheInvalidation: `${DEFAULT_GROUP_IDS.cacheInvalidation}-${suffix}`,
  };
}

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
