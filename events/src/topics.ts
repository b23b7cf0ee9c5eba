/** Kafka topics of the pipeline. `aggregatetype` in the outbox decides the topic: `<type>-events`. */
export const AGGREGATE_TOPICS = {
  catalog: 'catalog-events',
  order: 'order-events',
} as const;

export type AggregateType = keyof typeof AGGREGATE_TOPICS;
export type EventTopic = (typeof AGGREGATE_TOPICS)[AggregateType];

/** Every topic has at least this many partitions (created explicitly, never auto-created). */
export const TOPIC_PARTITIONS = 3;

/** The dead-letter topic of a topic. */
export function dlqTopicOf(topic: EventTopic): `${EventTopic}.dlq` {
  return `${topic}.dlq`;
}

/**
 * The topics each consumer role reads. Group ids are configurable (METRICS_GROUP_ID,
 * CACHE_GROUP_ID); what a role subscribes to is not.
 */
export const ROLE_TOPICS = {
  metrics: [AGGREGATE_TOPICS.catalog, AGGREGATE_TOPICS.order],
  cacheInvalidation: [AGGREGATE_TOPICS.catalog],
} as const satisfies Record<string, readonly EventTopic[]>;
