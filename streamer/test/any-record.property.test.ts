import { randomUUID } from 'node:crypto';
import { newEvent } from '@outbox/events';
import fc from 'fast-check';
import type { IHeaders } from 'kafkajs';
import { decodeHeaders } from '../src/dlq/dead-letters';
import type { BatchContext } from '../src/pipeline/partition-processor';
import { toConsumedRecord, type ConsumedRecord, type RawHeader } from '../src/pipeline/record';
import { processorKit } from './processor-kit';

/**
 * Any record a broker accepts, through the real processor and the real streamer database:
 * keys from 0 bytes to about a megabyte, arbitrary bytes, null header values, NUL bytes,
 * repeated header names, mixed with valid events. Invariants: every record is applied once or
 * parked once, the partition always advances, and parked bytes equal the original.
 * A failure prints the seed and the path; FC_SEED and FC_PATH replay it.
 */
const SEED = Number(process.env.FC_SEED ?? 20261206);
const RUNS = Number(process.env.FC_RUNS ?? 40);

/** Deterministic filler: large sizes come from (size, seed), so a run stays cheap to shrink. */
const bytesOf = (size: number, seed: number): Buffer => {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
};

const anyBytes = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(0), Buffer.from([0]), Buffer.from([0xc3, 0x28, 0xff])) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(2704, 3900, 65_536, 900_000), fc.integer())
      .map(([size, seed]) => bytesOf(size, seed)),
  },
);

const headerName = fc.oneof(
  fc.constantFrom('id', 'eventType', 'dlq.error', 'traceparent', '\u0000', ''),
  fc.string({ maxLength: 12 }),
  fc.fullUnicodeString({ maxLength: 6 }),
);
const anyHeaders = fc.array(fc.record({ name: headerName, value: fc.option(anyBytes, { nil: null }) }), {
  maxLength: 6,
});

type Spec =
  | { kind: 'event'; product: number; view: boolean }
  | { kind: 'hostile'; key: Buffer | null | { product: number }; value: Buffer | null; headers: RawHeader[] };

const PRODUCTS = 3;
const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constant('event' as const), product: fc.nat(PRODUCTS - 1), view: fc.boolean() }),
  fc.record({
    kind: fc.constant('hostile' as const),
    key: fc.oneof(anyBytes, fc.constant(null), fc.record({ product: fc.nat(PRODUCTS - 1) })),
    value: fc.option(anyBytes, { nil: null }),
    headers: anyHeaders,
  }),
);

/**
 * kafkajs hands headers as an object: grouped by name, repeated names as arrays in their order.
 * Being an object, its names come in JavaScript property order (integer-like names first): what
 * the pipeline can keep is that object's order, so that is what parking must preserve.
 */
function asKafkajsHeaders(headers: RawHeader[]): { grouped: IHeaders; order: RawHeader[] } {
  const grouped: Record<string, (Buffer | null)[]> = Object.create(null) as Record<string, (Buffer | null)[]>;
  for (const h of headers) (grouped[h.name] ??= []).push(h.value);
  const order = Object.entries(grouped).flatMap(([name, values]) => values.map((value) => ({ name, value })));
  const kafkajsShape = Object.fromEntries(
    Object.entries(grouped).map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
  );
  return { grouped: kafkajsShape as IHeaders, order };
}

describe('property: any record a broker accepts is applied once or parked once, byte for byte', () => {
  const kit = processorKit();
  const { db } = kit;

  it(`holds for ${RUNS} generated batches (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 8 }), async (specs) => {
        const group = kit.group('any-record');
        const products = Array.from({ length: PRODUCTS }, () => randomUUID());
        const records: ConsumedRecord[] = [];
        const expectedHeaders: RawHeader[][] = [];
        const eventIds: (string | undefined)[] = [];
        for (const [offset, s] of specs.entries()) {
          let key: Buffer | null;
          let value: Buffer | null;
          let headers: RawHeader[];
          if (s.kind === 'event') {
            const productId = products[s.product] as string;
            const event = s.view
              ? newEvent('PRODUCT_VIEWED', productId, { memberId: null })
              : newEvent('PRODUCT_LIKED', productId, { memberId: randomUUID() });
            key = Buffer.from(productId);
            value = await kit.codec.encode(event);
            headers = [
              { name: 'id', value: Buffer.from(event.eventId) },
              { name: 'eventType', value: Buffer.from(event.eventType) },
            ];
            eventIds.push(event.eventId);
          } else {
            key = s.key === null || Buffer.isBuffer(s.key) ? s.key : Buffer.from(products[s.key.product] as string);
            value = s.value;
            headers = s.headers;
            eventIds.push(undefined);
          }
          const { grouped, order } = asKafkajsHeaders(headers);
          expectedHeaders.push(order);
          records.push(
            toConsumedRecord('catalog-events', 0, {
              key,
              value,
              headers: grouped,
              offset: String(offset),
              timestamp: '0',
              attributes: 0,
            }),
          );
        }

        const processor = kit.processor(group);
        const until = Date.now() + 20_000; // the partition must advance: a batch that cannot finish fails
        const ctx: BatchContext = { heartbeat: async () => undefined, isRunning: () => Date.now() < until };
        await processor.process(records, ctx);
        await processor.process(records, ctx); // a redelivery changes nothing

        const rows = await db.deadLetter.findMany({ where: { consumerGroup: group } });
        const parkedAt = new Map(rows.map((r) => [Number(r.offset), r]));
        expect(parkedAt.size).toBe(rows.length); // parked once
        const handled = await db.eventHandled.findMany({ where: { consumerGroup: group } });
        const applied = new Set(handled.map((h) => h.eventId));

        for (const [offset, r] of records.entries()) {
          const row = parkedAt.get(offset);
          const eventId = eventIds[offset];
          const wasApplied = eventId !== undefined && applied.has(eventId);
          // A hostile record is never applied; every record is applied or parked, never both.
          if (eventId === undefined) expect(row).toBeDefined();
          expect(wasApplied !== (row !== undefined)).toBe(true);
          if (!row) continue;
          expect(row.messageKey === null ? null : Buffer.from(row.messageKey).toString('hex')).toEqual(
            r.raw.key === null ? null : r.raw.key.toString('hex'),
          );
          expect(row.value === null ? null : Buffer.from(row.value).toString('hex')).toEqual(
            r.value === null ? null : r.value.toString('hex'),
          );
          const stored = decodeHeaders(row.headers).map((h) => [h.name, h.value?.toString('hex') ?? null]);
          expect(stored).toEqual(expectedHeaders[offset]?.map((h) => [h.name, h.value?.toString('hex') ?? null]));
        }
        expect(applied.size).toBe(handled.length);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
