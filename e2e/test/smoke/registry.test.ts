import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RawAvroSchema } from '@kafkajs/confluent-schema-registry/dist/@types';
import { endpoints, uniqueName } from '../../src';

const schemaV1: RawAvroSchema = {
  type: 'record',
  name: 'SmokeEvent',
  namespace: 'smoke',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'int' },
  ],
};
const schemaV2: RawAvroSchema = {
  ...schemaV1,
  fields: [...schemaV1.fields, { name: 'note', type: 'string', default: '' }],
};

describe('schema registry (Confluent-compatible API)', () => {
  const registry = new SchemaRegistry({ host: endpoints.registryUrl });
  const subject = `${uniqueName('smoke-topic')}-smoke.SmokeEvent`; // TopicRecordNameStrategy shape

  it('registers an Avro schema idempotently', async () => {
    const first = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schemaV1) }, { subject });
    const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schemaV1) }, { subject });
    expect(again.id).toBe(first.id);
    expect(await registry.getRegistryId(subject, 'latest')).toBe(first.id);
  });

  it('encodes in the Confluent wire format and decodes through the registry', async () => {
    const id = await registry.getRegistryId(subject, 'latest');
    const bytes = await registry.encode(id, { id: 'a-1', count: 7 });
    expect(bytes[0]).toBe(0); // magic byte
    expect(bytes.readInt32BE(1)).toBe(id); // schema id
    expect(await registry.decode(bytes)).toEqual({ id: 'a-1', count: 7 });
  });

  it('keeps a v1 reader working on v2 records (a new field with a default)', async () => {
    const v1 = await registry.getRegistryId(subject, 'latest');
    const { id: v2 } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schemaV2) },
      { subject },
    );
    expect(v2).not.toBe(v1);
    const bytes = await registry.encode(v2, { id: 'a-2', count: 8, note: 'new' });
    const decoded = await registry.decode(bytes, { [SchemaType.AVRO]: { readerSchema: schemaV1 } });
    expect(decoded).toEqual({ id: 'a-2', count: 8 });
  });
});
