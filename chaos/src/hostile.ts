import { messageOf } from '@outbox/config';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CATALOGUE, EventCodec, newEvent, ROLE_TOPICS, type CommerceEvent, type EventTopic } from '@outbox/events';
import { endpoints, kafkaClient, queryDb, seededRandom, type CollectedRecord } from '@outbox/e2e';
import { Partitioners, type Message } from 'kafkajs';

/**
 * The hostile producer: during the load it writes records no sane producer writes straight into
 * the event topics, each under a key of its own: a 3,900-character key, NUL and invalid UTF-8,
 * null keys and values, unknown schema ids, a value near the broker's maximum record size,
 * hundreds of headers with null values and repeated names, events that break the contract.
 * Each carries the header ODD_MARKER (`<run>:<kind>`, among other arbitrary headers), so the
 * checks find them in the topics themselves, also when a send that seemed to fail reached the
 * broker. Null header values need kafkajs as patched in patches/ (the project's install applies it).
 */
export const ODD_MARKER = 'chaos.odd';

export interface OddRecord {
  topic: EventTopic;
  partition: number;
  offset: string;
  kind: string;
}

export interface HostileReport {
  /** Odd records the broker acknowledged, by kind. */
  acknowledged: Record<string, number>;
  /** Sends that failed, by kind and error (Kafka was down); such a record may still have been written. */
  failedSends: Record<string, number>;
}

/** Close to the broker's default maximum record size (1 MiB + 12), leaving room for headers. */
const NEAR_MAX_BYTES = 1_000_000;

type OddKind = (random: () => number) => Promise<{ kind: string; topic: EventTopic; message: Message }>;

export async function runHostileProducer(o: {
  seed: number;
  everyMs: [number, number];
  shouldStop: () => boolean;
  log: (line: string) => void;
}): Promise<HostileReport> {
  const random = seededRandom(o.seed);
  const codec = await EventCodec.connect(endpoints.registryUrl);
  const kinds = oddKinds(codec);
  const producer = kafkaClient('chaos-hostile').producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 3 },
  });
  await producer.connect();
  const report: HostileReport = { acknowledged: {}, failedSends: {} };
  try {
    while (!o.shouldStop()) {
      await sleep(Math.round(o.everyMs[0] + random() * (o.everyMs[1] - o.everyMs[0])));
      const make = kinds[Math.floor(random() * kinds.length)] as OddKind;
      const { kind, topic, message } = await make(random);
      try {
        const headers = { ...message.headers, [ODD_MARKER]: `${o.seed}:${kind}` };
        await producer.send({ topic, acks: -1, messages: [{ ...message, headers }] });
        report.acknowledged[kind] = (report.acknowledged[kind] ?? 0) + 1;
      } catch (err) {
        // Kafka is down (a fault of the run): the next one is tried later.
        const why = `${kind}: ${messageOf(err)}`;
        report.failedSends[why] = (report.failedSends[why] ?? 0) + 1;
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  const failed = Object.entries(report.failedSends).map(([why, n]) => `${n} × ${why}`);
  const sent = Object.values(report.acknowledged).reduce((a, b) => a + b, 0);
  o.log(`hostile producer: ${sent} odd records acknowledged; failed sends: ${failed.join('; ') || 'none'}`);
  return report;
}

/** Deterministic bytes of a given length (cheap for a megabyte). */
function bytes(length: number, random: () => number): Buffer {
  const out = Buffer.alloc(length);
  let x = Math.floor(random() * 2 ** 32) || 1;
  for (let i = 0; i < length; i += 1) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function oddKinds(codec: EventCodec): OddKind[] {
  const topicOf = (random: () => number): EventTopic =>
    random() < 0.5 ? ROLE_TOPICS.metrics[0] : ROLE_TOPICS.metrics[1];
  /** The wire format without the producer's contract check. */
  const unchecked = async (event: CommerceEvent): Promise<Buffer> => {
    const header = Buffer.alloc(5);
    header.writeInt32BE(await codec.schemaIdOf(event.eventType), 1);
    return Buffer.concat([header, CATALOGUE.entry(event.eventType).type.toBuffer(event)]);
  };
  return [
    async (random) => ({
      kind: 'long key',
      topic: topicOf(random),
      message: { key: bytes(2925, random).toString('base64'), value: bytes(64, random), headers: {} },
    }),
    async (random) => ({
      kind: 'NUL and invalid UTF-8',
      topic: topicOf(random),
      message: {
        key: Buffer.concat([Buffer.from([0x00, 0xc3, 0x28, 0xff]), bytes(8, random)]),
        value: Buffer.from([0x00, 0x00, 0xff, 0xfe, 0x00]),
        headers: { id: Buffer.from([0x00, 0xff]), eventType: Buffer.from('PRODUCT_\u0000LIKED') },
      },
    }),
    async (random) => ({
      kind: 'null key and value',
      topic: topicOf(random),
      message: { key: null, value: null, headers: { traceparent: null as unknown as Buffer } },
    }),
    async (random) => ({
      kind: 'unknown schema id',
      topic: topicOf(random),
      message: { key: randomUUID(), value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]), headers: {} },
    }),
    async (random) => ({
      kind: 'near the maximum size',
      topic: topicOf(random),
      message: { key: bytes(16, random), value: bytes(NEAR_MAX_BYTES, random), headers: {} },
    }),
    async (random) => ({
      kind: 'hundreds of headers',
      topic: topicOf(random),
      message: {
        key: randomUUID(),
        value: bytes(32, random),
        headers: {
          'dlq.error': 'an original header under the DLQ prefix',
          repeated: Array.from({ length: 200 }, (_, i) =>
            i % 3 === 0 ? (null as unknown as Buffer) : bytes(8, random),
          ),
          big: bytes(64 * 1024, random),
          '\u0000': Buffer.from([0]),
        },
      },
    }),
    async () => {
      const product = randomUUID();
      const event = newEvent('PRODUCT_LIKED', product, { memberId: 'hostile' });
      return {
        kind: 'upper-case key',
        topic: ROLE_TOPICS.metrics[0],
        message: {
          key: product.toUpperCase(),
          value: await codec.encode(event),
          headers: { id: event.eventId, eventType: event.eventType },
        },
      };
    },
    async () => {
      const product = randomUUID();
      const event = newEvent('STOCK_DECREASED', product, { quantity: -5, remainingStock: 3, orderId: randomUUID() });
      return {
        kind: 'negative quantity',
        topic: ROLE_TOPICS.metrics[0],
        message: {
          key: product,
          value: await unchecked(event),
          headers: { id: event.eventId, eventType: event.eventType },
        },
      };
    },
  ];
}

export interface HostileCheck {
  /** Odd records found in the topics (the hostile producer's marker header). */
  written: number;
  /** Dead letters of odd records, per group. */
  parked: Record<string, number>;
  /** Odd records a group that reads their topic did not park, or parked twice. */
  missing: { group: string; topic: string; partition: number; offset: string; kind: string }[];
  parkedTwice: number;
  /** Odd dead letters not (yet) copied to `<topic>.dlq`, or refused by Kafka. */
  notCopied: { group: string; topic: string; offset: string; publishError: string | null }[];
}

/** Base64 of the marker's name, as dead_letter.headers stores header names. */
const MARKER_NAME_B64 = Buffer.from(ODD_MARKER).toString('base64');

/** SQL condition: the dead letter is an odd record of the hostile producer. */
export const ODD_DEAD_LETTER_SQL = `headers @> '[{"name": "${MARKER_NAME_B64}"}]'::jsonb`;

/** The hostile producer's records among the run's records, by their marker header. */
export function oddRecordsOf(records: CollectedRecord[]): OddRecord[] {
  return records
    .filter((r) => r.headers[ODD_MARKER] !== undefined)
    .map((r) => ({
      topic: r.topic as EventTopic,
      partition: r.partition,
      offset: r.offset,
      kind: (r.headers[ODD_MARKER] ?? '').replace(/^\d+:/, ''),
    }));
}

/** Every odd record parked once by each group that reads its topic, and copied to its `.dlq` topic. */
export async function checkHostile(
  odd: OddRecord[],
  groups: { metrics: string; cacheInvalidation: string },
): Promise<HostileCheck> {
  const rows = await queryDb<{
    consumer_group: string;
    topic: string;
    partition: number;
    offset: string;
    published: boolean;
    publish_error: string | null;
  }>(
    'streamer',
    `SELECT consumer_group, topic, "partition", "offset"::text, published_at IS NOT NULL AS published, publish_error
     FROM dead_letter WHERE consumer_group = ANY($1) AND ${ODD_DEAD_LETTER_SQL}`,
    [[groups.metrics, groups.cacheInvalidation]],
  );
  const count = new Map<string, number>();
  for (const r of rows) {
    const at = `${r.consumer_group} ${r.topic}/${r.partition}@${r.offset}`;
    count.set(at, (count.get(at) ?? 0) + 1);
  }
  const readers = (topic: EventTopic): string[] =>
    [
      (ROLE_TOPICS.metrics as readonly string[]).includes(topic) ? groups.metrics : undefined,
      (ROLE_TOPICS.cacheInvalidation as readonly string[]).includes(topic) ? groups.cacheInvalidation : undefined,
    ].filter((g): g is string => g !== undefined);
  const missing: HostileCheck['missing'] = [];
  for (const w of odd)
    for (const group of readers(w.topic))
      if (!count.has(`${group} ${w.topic}/${w.partition}@${w.offset}`))
        missing.push({ group, topic: w.topic, partition: w.partition, offset: w.offset, kind: w.kind });
  const parked: Record<string, number> = {};
  for (const r of rows) parked[r.consumer_group] = (parked[r.consumer_group] ?? 0) + 1;
  return {
    written: odd.length,
    parked,
    missing,
    parkedTwice: [...count.values()].filter((n) => n > 1).length,
    notCopied: rows
      .filter((r) => !r.published)
      .map((r) => ({ group: r.consumer_group, topic: r.topic, offset: r.offset, publishError: r.publish_error })),
  };
}
