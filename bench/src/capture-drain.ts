import { AGGREGATE_TOPICS, type EventCodec } from '@outbox/events';
import type { Admin, Kafka } from 'kafkajs';
import type { Client } from 'pg';
import { endOffsets, recordTimestamps } from './kafka';
import { insertOutboxRows, outboxRowsOf, randomProductIds, viewedEvents } from './outbox-rows';

/**
 * Waits until Debezium has delivered everything committed so far: inserts one marker outbox
 * row and waits for it in Kafka. The connector delivers in commit order, so once the marker is
 * there, no backlog from an earlier scenario can disturb the next measurement.
 */
export async function waitForCaptureDrained(
  commerce: Client,
  admin: Admin,
  kafka: Kafka,
  codec: EventCodec,
  timeoutMs = 300_000,
): Promise<void> {
  const from = await endOffsets(admin, AGGREGATE_TOPICS.catalog);
  const [marker] = await outboxRowsOf(codec, viewedEvents(randomProductIds(1), 1, 'bench-marker'));
  if (!marker) throw new Error('no marker row');
  await insertOutboxRows(commerce, 'outbox', [marker]);
  await recordTimestamps(kafka, from, new Set([marker.id]), timeoutMs);
}
