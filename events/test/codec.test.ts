import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  CATALOGUE,
  EventCodec,
  EventDecodeError,
  EventValidationError,
  newEvent,
  RegistryUnavailableError,
  type CommerceEvent,
  type EventOf,
  type EventType,
} from '../src';
import { deleteSubject, registryHttp, registryUrl, uniquePrefix } from './helpers';

const examples: { [T in EventType]: EventOf<T> } = {
  PRODUCT_LIKED: newEvent('PRODUCT_LIKED', '00000000-0000-4000-8000-000000000001', { memberId: 'member-1' }),
  PRODUCT_UNLIKED: newEvent('PRODUCT_UNLIKED', '00000000-0000-4000-8000-000000000001', { memberId: 'member-1' }),
  PRODUCT_VIEWED: newEvent('PRODUCT_VIEWED', '00000000-0000-4000-8000-000000000002', { memberId: null }),
  STOCK_DECREASED: newEvent('STOCK_DECREASED', '00000000-0000-4000-8000-000000000003', {
    quantity: 2,
    remainingStock: 0,
    orderId: '00000000-0000-4000-8000-000000000004',
  }),
  STOCK_INCREASED: newEvent('STOCK_INCREASED', '00000000-0000-4000-8000-000000000003', {
    quantity: 2,
    remainingStock: 2,
    orderId: '00000000-0000-4000-8000-000000000004',
  }),
  PRODUCT_METRICS_SNAPSHOT: newEvent('PRODUCT_METRICS_SNAPSHOT', '00000000-0000-4000-8000-000000000003', {
    likes: 3,
    views: 10,
    sales: 2,
    mode: 'VERIFY',
    reconcileId: '00000000-0000-4000-8000-000000000007',
  }),
  ORDER_CREATED: newEvent('ORDER_CREATED', '00000000-0000-4000-8000-000000000004', {
    memberId: 'member-1',
    items: [
      { productId: '00000000-0000-4000-8000-000000000003', quantity: 2, unitPrice: 1500 },
      { productId: '00000000-0000-4000-8000-000000000005', quantity: 1, unitPrice: 999 },
    ],
    totalAmount: 3999,
  }),
  COUPON_USED: newEvent('COUPON_USED', '00000000-0000-4000-8000-000000000004', {
    couponId: '00000000-0000-4000-8000-000000000006',
    memberId: 'member-1',
    discount: 500,
  }),
  PAYMENT_COMPLETED: newEvent('PAYMENT_COMPLETED', '00000000-0000-4000-8000-000000000004', { amount: 3499 }),
  PAYMENT_FAILED: newEvent('PAYMENT_FAILED', '00000000-0000-4000-8000-000000000007', {
    reason: 'card declined',
    items: [{ productId: '00000000-0000-4000-8000-000000000003', quantity: 2 }],
  }),
};

/** The EventDecodeError that `promise` rejects with. */
async function decodeFailure(promise: Promise<unknown>): Promise<EventDecodeError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(EventDecodeError);
  return error as EventDecodeError;
}

async function validationFailure(promise: Promise<unknown>): Promise<EventValidationError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(EventValidationError);
  return error as EventValidationError;
}

describe('EventCodec against the real registry', () => {
  const prefix = uniquePrefix('events-test');
  const throwawaySubjects: string[] = [];
  const raw = new SchemaRegistry({ host: registryUrl });
  let codec: EventCodec;
  let ids: Map<EventType, number>;

  /** Registers a schema under a throwaway subject with BACKWARD compatibility, like the codec does. */
  async function registerThrowaway(subject: string, schema: object): Promise<number> {
    if (!throwawaySubjects.includes(subject)) throwawaySubjects.push(subject);
    await registryHttp('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: 'BACKWARD' });
    const { id } = await raw.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject, compatibility: COMPATIBILITY.BACKWARD },
    );
    return id;
  }

  beforeAll(async () => {
    codec = await EventCodec.connect(registryUrl);
    ids = await codec.registerAll();
  });

  afterAll(async () => {
    for (const subject of throwawaySubjects) await deleteSubject(subject);
  });

  describe('registerAll', () => {
    it('registers every schema idempotently: twice gives the same ids', async () => {
      const again = await new EventCodec(registryUrl).registerAll();
      expect([...again.entries()]).toEqual([...ids.entries()]);
      expect([...ids.keys()]).toEqual(CATALOGUE.entries.map((entry) => entry.eventType));
      expect(new Set(ids.values()).size).toBe(CATALOGUE.entries.length);
      for (const id of ids.values()) expect(Number.isInteger(id) && id > 0).toBe(true);
    });

    it('uses TopicRecordNameStrategy subjects holding exactly these schemas', async () => {
      for (const entry of CATALOGUE.entries) {
        expect(entry.subject).toBe(`${entry.topic}-${entry.fullName}`);
        const { status, body } = await registryHttp('POST', `/subjects/${encodeURIComponent(entry.subject)}`, {
          schema: entry.schemaString,
        });
        expect({ subject: entry.subject, status, id: (body as { id?: number }).id }).toEqual({
          subject: entry.subject,
          status: 200,
          id: ids.get(entry.eventType),
        });
      }
    });

    it('sets each subject to BACKWARD compatibility', async () => {
      for (const entry of CATALOGUE.entries) {
        const { body } = await registryHttp(
          'GET',
          `/config/${encodeURIComponent(entry.subject)}?defaultToGlobal=false`,
        );
        expect({ subject: entry.subject, body }).toEqual({
          subject: entry.subject,
          body: { compatibilityLevel: 'BACKWARD' },
        });
      }
    });
    it('sets BACKWARD on new subjects and on subjects created by other clients without a level', async () => {
      // Throwaway copies of the subjects. The first one exists already, created by a plain POST
      // (like a Java serializer would), so it has no level of its own: Apicurio reports NONE.
      const entries = CATALOGUE.entries.map((entry) => ({ ...entry, subject: `${prefix}-${entry.subject}` }));
      throwawaySubjects.push(...entries.map((entry) => entry.subject));
      const [first] = entries;
      if (!first) throw new Error('empty catalogue');
      const created = await registryHttp('POST', `/subjects/${encodeURIComponent(first.subject)}/versions`, {
        schema: first.schemaString,
      });
      expect(created.status).toBe(200);
      const catalogue = { ...CATALOGUE, entries };
      const fresh = await new EventCodec(registryUrl, catalogue).registerAll();
      expect([...fresh.entries()]).toEqual([...ids.entries()]); // content ids: same schema, same id
      for (const { subject } of entries) {
        const { body } = await registryHttp('GET', `/config/${encodeURIComponent(subject)}?defaultToGlobal=false`);
        expect({ subject, body }).toEqual({ subject, body: { compatibilityLevel: 'BACKWARD' } });
      }
    });
  });

  describe('encode and decode', () => {
    it.each(Object.keys(examples) as EventType[])('round-trips %s', async (eventType) => {
      const event = examples[eventType] as CommerceEvent;
      const bytes = await codec.encode(event);
      expect(bytes[0]).toBe(0); // magic byte
      expect(bytes.readInt32BE(1)).toBe(ids.get(eventType)); // schema id
      const decoded = await codec.decode(bytes);
      expect(decoded).toEqual({ event, schemaId: ids.get(eventType) });
      expect(await raw.decode(bytes)).toEqual(event); // any Confluent-format reader gets the same
    });

    it('decodes with a fresh codec (writer schema fetched from the registry by id)', async () => {
      const bytes = await codec.encode(examples.ORDER_CREATED);
      const fresh = new EventCodec(registryUrl);
      expect((await fresh.decode(bytes)).event).toEqual(examples.ORDER_CREATED);
    });

    it('newEvent fills the envelope', () => {
      const at = new Date('2026-01-02T03:04:05.678Z');
      const event = newEvent(
        'STOCK_DECREASED',
        '00000000-0000-4000-8000-000000000008',
        { quantity: 1, remainingStock: 4, orderId: 'o-9' },
        { occurredAt: at },
      );
      expect(event).toEqual({
        eventId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        eventType: 'STOCK_DECREASED',
        aggregateType: 'catalog',
        aggregateId: '00000000-0000-4000-8000-000000000008',
        occurredAt: at.getTime(),
        schemaVersion: 1,
        quantity: 1,
        remainingStock: 4,
        orderId: 'o-9',
      });
      const eventId = '0b6f2c1e-4d3a-4f5b-8c7d-9e0f1a2b3c4d';
      expect(
        newEvent('PAYMENT_COMPLETED', '00000000-0000-4000-8000-000000000009', { amount: 1 }, { eventId }).eventId,
      ).toBe(eventId);
      // @ts-expect-error the fields must match the event type (quantity is not a field of PRODUCT_LIKED)
      newEvent('PRODUCT_LIKED', '00000000-0000-4000-8000-000000000001', { memberId: 'm', quantity: 1 });
      // @ts-expect-error a field of the event type is missing
      newEvent('PAYMENT_COMPLETED', '00000000-0000-4000-8000-000000000004', {});
      // @ts-expect-error a field has the wrong type
      newEvent('PAYMENT_COMPLETED', '00000000-0000-4000-8000-000000000004', { amount: '12' });
      const withEnvelope = { couponId: 'c', memberId: 'm', discount: 1, eventId: 'x' };
      // envelope fields are options, not fields: refused at run time too (no excess-property check on a variable)
      expect(() => newEvent('COUPON_USED', 'o', withEnvelope)).toThrow(/eventId is an envelope field/);
    });
  });

  describe('encode validates first', () => {
    it('rejects a wrong type, naming the event type and the field', async () => {
      const bad = { ...examples.STOCK_DECREASED, quantity: 'x' } as unknown as CommerceEvent;
      const error = await validationFailure(codec.encode(bad));
      expect(error.eventType).toBe('STOCK_DECREASED');
      expect(error.fields).toEqual(['quantity']);
      expect(error.message).toBe("invalid STOCK_DECREASED event: quantity: expected int, got 'x'");
    });

    it('names nested paths, missing fields and undeclared fields', async () => {
      const bad = {
        ...examples.ORDER_CREATED,
        items: [
          { productId: 'p', quantity: 1, unitPrice: 1 },
          { productId: 'p', quantity: 1, unitPrice: 1.5 },
        ],
        memberId: undefined,
        memberID: 'typo',
      } as unknown as CommerceEvent;
      const error = await validationFailure(codec.encode(bad));
      expect(error.eventType).toBe('ORDER_CREATED');
      expect(error.fields).toEqual(['memberId', 'items[1].unitPrice', 'memberID']);
      expect(error.message).toContain('memberId: missing (expected string)');
      expect(error.message).toContain('items[1].unitPrice: expected int, got 1.5');
      expect(error.message).toContain('memberID: not a field of commerce.order.OrderCreated');
    });

    it('rejects an unknown eventType, a non-UUID eventId and a wrong aggregateType', async () => {
      const unknown = await validationFailure(
        codec.encode({ ...examples.PRODUCT_LIKED, eventType: 'PRODUCT_LOVED' } as unknown as CommerceEvent),
      );
      expect(unknown.fields).toEqual(['eventType']);
      const badId = await validationFailure(codec.encode({ ...examples.PRODUCT_LIKED, eventId: 'not-a-uuid' }));
      expect(badId.fields).toEqual(['eventId']);
      const badAggregate = await validationFailure(
        codec.encode({ ...examples.PRODUCT_LIKED, aggregateType: 'order' } as unknown as CommerceEvent),
      );
      expect(badAggregate.fields).toEqual(['aggregateType']);
    });
  });

  describe('decode refuses bytes that can never be decoded, with a reason for the DLQ', () => {
    it('not-wire-format: garbage, too short, wrong magic byte', async () => {
      for (const bytes of [Buffer.from('{"hello":"world"}'), Buffer.from([0, 0, 1]), Buffer.alloc(0)]) {
        expect((await decodeFailure(codec.decode(bytes))).reason).toBe('not-wire-format');
      }
      const valid = await codec.encode(examples.PRODUCT_LIKED);
      const wrongMagic = Buffer.from(valid);
      wrongMagic[0] = 1;
      expect((await decodeFailure(codec.decode(wrongMagic))).reason).toBe('not-wire-format');
    });

    it('unknown-schema: a schema id the registry does not know', async () => {
      const valid = await codec.encode(examples.PRODUCT_LIKED);
      const unknownId = Buffer.from(valid);
      unknownId.writeInt32BE(2_000_000_000, 1);
      const error = await decodeFailure(codec.decode(unknownId));
      expect(error.reason).toBe('unknown-schema');
      expect(error.schemaId).toBe(2_000_000_000);
    });

    it('a 404 without "schema not found" (the registry root, without its Confluent API path) is a wait naming the URL', async () => {
      const valid = await codec.encode(examples.PRODUCT_LIKED);
      const root = new URL(registryUrl).origin;
      expect(registryUrl).not.toBe(root);
      const error = await new EventCodec(root).decode(valid).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(RegistryUnavailableError);
      expect((error as Error).message).toContain(`GET ${root}/schemas/ids/${valid.readInt32BE(1)}`);
    });

    it('corrupt: truncated bytes, trailing bytes, a garbage body', async () => {
      const valid = await codec.encode(examples.ORDER_CREATED);
      const truncated = valid.subarray(0, valid.length - 3);
      const trailing = Buffer.concat([valid, Buffer.from([7])]);
      const garbage = Buffer.concat([valid.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);
      for (const bytes of [truncated, trailing, garbage]) {
        const error = await decodeFailure(codec.decode(bytes));
        expect(error.reason).toBe('corrupt');
        expect(error.schemaId).toBe(ids.get('ORDER_CREATED'));
      }
    });

    it('unknown-event-type: a record that is not in the catalogue', async () => {
      const subject = `${prefix}-other.Thing`;
      const id = await registerThrowaway(subject, {
        type: 'record',
        name: 'Thing',
        namespace: `other.${prefix.replace(/-/g, '_')}`,
        fields: [{ name: 'a', type: 'string' }],
      });
      const error = await decodeFailure(codec.decode(await raw.encode(id, { a: 'x' })));
      expect(error.reason).toBe('unknown-event-type');
      expect(error.schemaId).toBe(id);
    });
  });

  describe('schema evolution (BACKWARD)', () => {
    const entry = CATALOGUE.entry('PRODUCT_LIKED');
    const subject = `${prefix}-${entry.fullName}`;
    const v2 = {
      ...entry.schema,
      fields: [
        ...entry.schema.fields,
        { name: 'source', type: ['null', 'string'], default: null, doc: 'Where the like came from.' },
      ],
    };

    it('a v1 consumer reads v2 records (new optional field with a default is dropped)', async () => {
      const v1Id = await registerThrowaway(subject, entry.schema);
      expect(v1Id).toBe(ids.get('PRODUCT_LIKED')); // content ids: same schema, same id
      const v2Id = await registerThrowaway(subject, v2);
      expect(v2Id).not.toBe(v1Id);
      const event = newEvent('PRODUCT_LIKED', '00000000-0000-4000-8000-000000000010', { memberId: 'member-7' });
      const bytes = await raw.encode(v2Id, { ...event, source: 'web' });
      const decoded = await new EventCodec(registryUrl).decode(bytes);
      expect(decoded.schemaId).toBe(v2Id);
      expect(decoded.event).toEqual(event);
      expect(decoded.event).not.toHaveProperty('source');
      // the codec still writes v1 under the real subject
      expect((await codec.encode(event)).readInt32BE(1)).toBe(v1Id);
    });

    it('the registry rejects an incompatible change with 409', async () => {
      await registerThrowaway(subject, entry.schema);
      await registerThrowaway(subject, v2); // idempotent: the same ids as in the test above
      const incompatible = {
        ...v2,
        fields: [...v2.fields, { name: 'likedAt', type: 'long', doc: 'required, no default: not BACKWARD' }],
      };
      await expect(
        raw.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(incompatible) },
          { subject, compatibility: COMPATIBILITY.BACKWARD },
        ),
      ).rejects.toMatchObject({ status: 409 });
    });
  });
});
