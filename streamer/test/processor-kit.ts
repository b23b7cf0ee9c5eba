import { createStreamerClient } from '@outbox/db';
import { EventCodec } from '@outbox/events';
import { endpoints, preparePipeline, uniqueName } from '@outbox/e2e';
import pino from 'pino';
import { DeadLetters } from '../src/dlq/dead-letters';
import { ProductMetricsHandler } from '../src/handlers/product-metrics';
import { PartitionProcessor } from '../src/pipeline/partition-processor';

/**
 * The real partition processor on the real streamer database and registry, for tests that feed
 * it records directly. Call it inside a describe: it connects before the tests and, after them,
 * removes the dead letters of every group it named. Left behind, records of up to a megabyte
 * would be copied to the .dlq topics by every streamer started after the test.
 */
export function processorKit() {
  const db = createStreamerClient(endpoints.postgresUrl('streamer'));
  const deadLetters = new DeadLetters(db);
  const groups: string[] = [];
  let codec: EventCodec | undefined;

  beforeAll(async () => {
    await preparePipeline();
    codec = await EventCodec.connect(endpoints.registryUrl);
  });
  afterAll(async () => {
    await db.deadLetter.deleteMany({ where: { consumerGroup: { in: groups } } });
    await db.$disconnect();
  });

  const kit = {
    db,
    deadLetters,
    get codec(): EventCodec {
      if (!codec) throw new Error('the codec connects in beforeAll');
      return codec;
    },
    /** A consumer group of its own, cleaned up after the tests. */
    group(prefix: string): string {
      const group = uniqueName(prefix);
      groups.push(group);
      return group;
    },
    /** The metrics group's processor in batch mode: two attempts, 20 ms between them. */
    processor(group: string): PartitionProcessor {
      return new PartitionProcessor({
        handler: new ProductMetricsHandler(group, db),
        codec: kit.codec,
        db,
        deadLetters,
        applyMode: 'batch',
        maxAttempts: 2,
        backoff: () => 20,
        log: pino({ level: 'silent' }),
      });
    },
  };
  return kit;
}
