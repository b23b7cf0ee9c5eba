import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as avro from 'avsc';
import { ENVELOPE_FIELDS, EVENT_DEFINITIONS, namespaceOf, type EventDefinition } from './definitions';
import type { EventType } from './generated/event-types';
import { AGGREGATE_TOPICS, type AggregateType, type EventTopic } from './topics';

/** The folder with the `.avsc` files: `events/schemas/<aggregateType>/<RecordName>.avsc`. */
export const SCHEMAS_DIR = resolve(__dirname, '..', 'schemas');

/** A field of an Avro record schema as written in an `.avsc` file. */
export interface AvroField {
  name: string;
  type: unknown;
  doc?: string;
  default?: unknown;
}

/** An Avro record schema as written in an `.avsc` file. */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
}

export interface CatalogueEntry<T extends EventType = EventType> {
  eventType: T;
  aggregateType: AggregateType;
  /** `catalog-events` or `order-events`. */
  topic: EventTopic;
  /** Record name without namespace, e.g. `ProductLiked`. */
  name: string;
  /** Record full name, e.g. `commerce.catalog.ProductLiked`. */
  fullName: string;
  /** TopicRecordNameStrategy subject: `<topic>-<record full name>`. */
  subject: string;
  /** What producers write into the `schemaVersion` envelope field. */
  schemaVersion: number;
  /** The parsed `.avsc` file. */
  schema: AvroRecordSchema;
  /** The deterministic string registered with the registry: `JSON.stringify(schema)`. */
  schemaString: string;
  /** The avsc type of the schema: the reader schema of this event type. */
  type: avro.Type;
  /** Absolute path of the `.avsc` file. */
  file: string;
}

export interface Catalogue {
  readonly entries: readonly CatalogueEntry[];
  /** Throws `CatalogueError` for an unknown event type. */
  entry<T extends EventType>(eventType: T): CatalogueEntry<T>;
  byEventType: ReadonlyMap<string, CatalogueEntry>;
  byFullName: ReadonlyMap<string, CatalogueEntry>;
  bySubject: ReadonlyMap<string, CatalogueEntry>;
}

/** The schema files disagree with the catalogue (thrown when the module loads). */
export class CatalogueError extends Error {
  override name = 'CatalogueError';
}

/** TopicRecordNameStrategy: `<topic>-<record full name>`. */
export function subjectOf(topic: string, recordFullName: string): string {
  return `${topic}-${recordFullName}`;
}

// Compile-time check that the generated `EventType` and `EVENT_DEFINITIONS` agree
// (run `npm run generate -w @outbox/events` when this line fails to compile).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const generatedTypesInSync: Same<(typeof EVENT_DEFINITIONS)[number]['eventType'], EventType> = true;

/**
 * Reads and checks every schema file. Fails fast (CatalogueError) when a file is missing or not
 * valid Avro, when its record name or namespace disagrees with the definitions, when the envelope
 * fields are not first, when an eventType or record is listed twice, or when a `.avsc` file has no
 * definition.
 */
export function loadCatalogue(
  schemasDir: string = SCHEMAS_DIR,
  definitions: readonly EventDefinition[] = EVENT_DEFINITIONS,
): Catalogue {
  if (!generatedTypesInSync) throw new CatalogueError('generated event types are out of date');
  const entries: CatalogueEntry[] = [];
  const byEventType = new Map<string, CatalogueEntry>();
  const byFullName = new Map<string, CatalogueEntry>();
  const bySubject = new Map<string, CatalogueEntry>();
  const files = new Set<string>();
  const fail = (file: string, message: string): never => {
    throw new CatalogueError(`${relative(process.cwd(), file) || file}: ${message}`);
  };

  for (const definition of definitions) {
    const { eventType, aggregateType, name, schemaVersion } = definition;
    if (byEventType.has(eventType)) throw new CatalogueError(`eventType ${eventType} is listed twice in the catalogue`);
    if (!(aggregateType in AGGREGATE_TOPICS)) {
      throw new CatalogueError(`${eventType}: unknown aggregateType ${JSON.stringify(aggregateType)}`);
    }
    if (!Number.isInteger(schemaVersion) || schemaVersion < 1) {
      throw new CatalogueError(`${eventType}: schemaVersion must be a positive integer`);
    }
    const namespace = namespaceOf(aggregateType);
    const file = join(schemasDir, aggregateType, `${name}.avsc`);
    files.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return fail(file, `schema file of ${eventType} is missing`);
    }
    let schema: AvroRecordSchema;
    try {
      schema = JSON.parse(text) as AvroRecordSchema;
    } catch (error) {
      return fail(file, `not JSON: ${(error as Error).message}`);
    }
    if (schema === null || typeof schema !== 'object' || schema.type !== 'record' || !Array.isArray(schema.fields)) {
      return fail(file, 'not an Avro record schema');
    }
    if (schema.name !== name) fail(file, `record name is ${schema.name}, the catalogue says ${name} for ${eventType}`);
    if (schema.namespace !== namespace) {
      fail(file, `namespace is ${String(schema.namespace)}, the catalogue says ${namespace} for ${eventType}`);
    }
    ENVELOPE_FIELDS.forEach((expected, index) => {
      const field = schema.fields[index];
      if (!field || field.name !== expected.name || JSON.stringify(field.type) !== JSON.stringify(expected.type)) {
        fail(file, `field ${index} must be ${expected.name} of type ${JSON.stringify(expected.type)} (the envelope)`);
      }
    });
    let type: avro.Type;
    try {
      type = avro.Type.forSchema(schema as avro.Schema, { omitRecordMethods: true });
    } catch (error) {
      return fail(file, `invalid Avro schema: ${(error as Error).message}`);
    }
    const fullName = `${namespace}.${name}`;
    if (byFullName.has(fullName)) throw new CatalogueError(`record ${fullName} is listed twice in the catalogue`);
    const topic = AGGREGATE_TOPICS[aggregateType];
    const entry: CatalogueEntry = {
      eventType: eventType as EventType,
      aggregateType,
      topic,
      name,
      fullName,
      subject: subjectOf(topic, fullName),
      schemaVersion,
      schema,
      schemaString: JSON.stringify(schema),
      type,
      file,
    };
    entries.push(entry);
    byEventType.set(eventType, entry);
    byFullName.set(fullName, entry);
    bySubject.set(entry.subject, entry);
  }

  for (const file of listSchemaFiles(schemasDir)) {
    if (!files.has(file)) fail(file, 'schema file without a catalogue entry (add it to EVENT_DEFINITIONS)');
  }

  return {
    entries,
    byEventType,
    byFullName,
    bySubject,
    entry<T extends EventType>(eventType: T): CatalogueEntry<T> {
      const entry = byEventType.get(eventType);
      if (!entry) throw new CatalogueError(`unknown eventType ${JSON.stringify(eventType)}`);
      return entry as CatalogueEntry<T>;
    },
  };
}

function listSchemaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((dirent) => {
    const path = join(dir, dirent.name);
    if (dirent.isDirectory()) return listSchemaFiles(path);
    return dirent.name.endsWith('.avsc') ? [path] : [];
  });
}

/** The catalogue of this package's schema files, checked when the module loads. */
export const CATALOGUE: Catalogue = loadCatalogue();

/** The catalogue entry of an event type (throws CatalogueError for an unknown one). */
export function catalogueEntry<T extends EventType>(eventType: T): CatalogueEntry<T> {
  return CATALOGUE.entry(eventType);
}
