import { ConfigResourceTypes, ConfigSource, type Admin } from 'kafkajs';
import type { TopicSpec } from './connector';

const MAX_MESSAGE_BYTES = 'max.message.bytes';

/** Room for the DLQ publisher's own `dlq.*` headers (the error text is cut to 1,000 characters, the others are short). */
export const DLQ_HEADROOM_BYTES = 64 * 1024;

/**
 * The max.message.bytes of a dead-letter topic whose source topic accepts `sourceLimit`. A copy
 * is its record plus the publisher's headers, except that an original header whose name starts
 * with `dlq.` is copied under one more `dlq.`: 4 bytes more on a header of at least 6, so a copy
 * is at most 5/3 of its record. Twice the source's limit covers that, whatever the record holds.
 */
export const dlqRecordLimit = (sourceLimit: number): number => 2 * sourceLimit + DLQ_HEADROOM_BYTES;

type ConfigEntry = TopicSpec['configEntries'][number];

async function topicConfigs(admin: Admin, topic: string, configNames?: string[]) {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, ...(configNames ? { configNames } : {}) }],
  });
  return resources[0]?.configEntries ?? [];
}

/** The largest record batch the topic accepts: its own max.message.bytes, else the broker's message.max.bytes. */
export async function maxMessageBytes(admin: Admin, topic: string): Promise<number> {
  const [entry] = await topicConfigs(admin, topic, [MAX_MESSAGE_BYTES]);
  if (entry === undefined) throw new Error(`cannot read ${MAX_MESSAGE_BYTES} of topic ${topic}`);
  return Number(entry.configValue);
}

const withMaxMessageBytes = (entries: ConfigEntry[], bytes: number): ConfigEntry[] => [
  ...entries.filter((e) => e.name !== MAX_MESSAGE_BYTES),
  { name: MAX_MESSAGE_BYTES, value: String(bytes) },
];

/**
 * The dead-letter specs with max.message.bytes set from their source topic's limit (see
 * dlqRecordLimit). The source topics must exist (ensureTopics creates them first).
 */
export async function roomForCopies(admin: Admin, specs: TopicSpec[]): Promise<TopicSpec[]> {
  const sized: TopicSpec[] = [];
  for (const spec of specs) {
    if (spec.deadLettersOf === undefined) throw new Error(`${spec.topic} is not a dead-letter topic`);
    const bytes = dlqRecordLimit(await maxMessageBytes(admin, spec.deadLettersOf));
    sized.push({ ...spec, configEntries: withMaxMessageBytes(spec.configEntries, bytes) });
  }
  return sized;
}

/**
 * Raises max.message.bytes of existing topics to their spec's value where it is lower; never
 * lowers it. kafkajs sends Kafka's AlterConfigs, which replaces every setting of the topic's own,
 * so the topic's other own settings are sent along as they are. Returns the topics raised.
 */
export async function raiseRecordLimits(admin: Admin, specs: TopicSpec[]): Promise<string[]> {
  const raised: string[] = [];
  for (const spec of specs) {
    const wanted = Number(spec.configEntries.find((e) => e.name === MAX_MESSAGE_BYTES)?.value);
    if (!Number.isFinite(wanted) || (await maxMessageBytes(admin, spec.topic)) >= wanted) continue;
    const own = (await topicConfigs(admin, spec.topic))
      .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG)
      .map((e) => ({ name: e.configName, value: e.configValue }));
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: spec.topic, configEntries: withMaxMessageBytes(own, wanted) },
      ],
    });
    raised.push(spec.topic);
  }
  return raised;
}
