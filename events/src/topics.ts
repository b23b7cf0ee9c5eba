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
