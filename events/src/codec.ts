import { randomUUID } from 'node:crypto';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import * as avro from 'avsc';
import { CATALOGUE, type Catalogue, type CatalogueEntry } from './catalogue';
import { ENVELOPE_FIELDS, type EnvelopeField } from './definitions';
import {
  EventDecodeError,
  EventValidationError,
  RegistryUnavailableError,
  SchemaRegistrationError,
  type ValidationIssue,
} from './errors';
import type { CommerceEvent, EventType, EventTypeMap } from './generated/event-types';

/** The event interface of one event type, e.g. `EventOf<'PRODUCT_LIKED'>` = `ProductLiked`. */
export type EventOf<T extends EventType> = EventTypeMap[T];
/** The own fields of an event type (everything but the envelope). */
export type EventFields<T extends EventType> = Omit<EventOf<T>, EnvelopeField>;

export interface DecodedEvent {
  event: CommerceEvent;
  /** The writer schema id of the wire format header. */
  schemaId: number;
}

export interface NewEventOptions {
  /** Default: `crypto.randomUUID()`. Pass the outbox row id when you have one. */
  eventId?: string;
  /** Epoch milliseconds or a Date. Default: now. */
  occurredAt?: number | Date;
}

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
const COMPATIBILITY_LEVEL = 'BACKWARD';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENVELOPE_NAMES = new Set<string>(ENVELOPE_FIELDS.map((field) => field.name));

/**
 * Builds an event: fills the envelope (eventId, aggregateType, occurredAt, schemaVersion) around
 * the event type's own fields, which the compiler checks against the event type.
 */
export function newEvent<T extends EventType>(
  eventType: T,
  aggregateId: string,
  fields: EventFields<T>,
  options: NewEventOptions = {},
  catalogue: Catalogue = CATALOGUE,
): EventOf<T> {
  const entry = catalogue.entry(eventType);
  for (const key of Object.keys(fields)) {
    if (ENVELOPE_NAMES.has(key)) throw new TypeError(`newEvent: ${key} is an envelope field, pass it as an option`);
  }
  const occurredAt = options.occurredAt ?? Date.now();
  return {
    eventId: options.eventId ?? randomUUID(),
    eventType,
    aggregateType: entry.aggregateType,
    aggregateId,
    occurredAt: occurredAt instanceof Date ? occurredAt.getTime() : occurredAt,
    schemaVersion: entry.schemaVersion,
    ...fields,
  } as unknown as EventOf<T>;
}

/**
 * Checks an event against the schema of its `eventType` (types, missing and undeclared fields,
 * eventId a UUID, aggregateType of the catalogue). Returns its catalogue entry or throws
 * `EventValidationError` naming the event type and the field paths.
 */
export function validateEvent(event: unknown, catalogue: Catalogue = CATALOGUE): CatalogueEntry {
  const candidate = (event ?? {}) as Record<string, unknown>;
  const eventType = typeof candidate.eventType === 'string' ? candidate.eventType : undefined;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new EventValidationError(eventType, [{ path: '', message: `expected an object, got ${show(event)}` }]);
  }
  const entry = eventType === undefined ? undefined : catalogue.byEventType.get(eventType);
  if (!entry) {
    throw new EventValidationError(eventType, [
      {
        path: 'eventType',
        message: `expected one of ${[...catalogue.byEventType.keys()].join(', ')}, got ${show(candidate.eventType)}`,
      },
    ]);
  }
  const issues: ValidationIssue[] = [];
  entry.type.isValid(event, {
    errorHook: (path, value, type) => {
      issues.push({ path: formatPath(path), message: describeMismatch(value, type) });
    },
  });
  entry.type.isValid(event, {
    noUndeclaredFields: true,
    errorHook: (path, value, type) => {
      if (!(type instanceof avro.types.RecordType) || typeof value !== 'object' || value === null) return;
      const declared = new Set(type.fields.map((field) => field.name));
      for (const key of Object.keys(value)) {
        if (!declared.has(key)) {
          issues.push({ path: formatPath([...path, key]), message: `not a field of ${type.name ?? 'the record'}` });
        }
      }
    },
  });
  if (typeof candidate.eventId === 'string' && !UUID.test(candidate.eventId)) {
    issues.push({ path: 'eventId', message: `expected a UUID, got ${show(candidate.eventId)}` });
  }
  if (typeof candidate.aggregateType === 'string' && candidate.aggregateType !== entry.aggregateType) {
    issues.push({
      path: 'aggregateType',
      message: `expected '${entry.aggregateType}' for ${entry.eventType}, got ${show(candidate.aggregateType)}`,
    });
  }
  if (issues.length > 0) throw new EventValidationError(eventType, issues);
  return entry;
}

/**
 * Encodes and decodes the events of the catalogue in the Confluent wire format (magic byte 0,
 * 4-byte big-endian schema id, Avro binary), with schemas registered in a Confluent-compatible
 * registry under TopicRecordNameStrategy subjects with BACKWARD compatibility.
 */
export class EventCodec {
  readonly registry: SchemaRegistry;
  private readonly registryUrl: string;
  private readonly ids = new Map<EventType, number>();
  private registering: Promise<Map<EventType, number>> | undefined;
  /** Per writer schema id: the catalogue entry it resolves to, and the resolver (none when equal). */
  private readonly readers = new Map<number, { entry: CatalogueEntry; resolver: avro.Resolver | undefined }>();

  constructor(
    registryUrl: string,
    private readonly catalogue: Catalogue = CATALOGUE,
  ) {
    this.registryUrl = registryUrl.replace(/\/+$/, '');
    this.registry = new SchemaRegistry({ host: this.registryUrl });
  }

  /** A codec whose schemas are registered (idempotent), ready to encode. */
  static async connect(registryUrl: string, catalogue: Catalogue = CATALOGUE): Promise<EventCodec> {
    const codec = new EventCodec(registryUrl, catalogue);
    await codec.registerAll();
    return codec;
  }

  /**
   * Registers every schema under its subject and sets the subject's compatibility to BACKWARD
   * (PUT /config/<subject>). Idempotent: the same schema gets the same id. Returns (and caches)
   * the schema id of each event type.
   */
  async registerAll(): Promise<Map<EventType, number>> {
    const ids = await Promise.all(this.catalogue.entries.map((entry) => this.register(entry)));
    const result = new Map<EventType, number>();
    this.catalogue.entries.forEach((entry, index) => {
      const id = ids[index] as number;
      result.set(entry.eventType, id);
      this.ids.set(entry.eventType, id);
    });
    return result;
  }

  /** The schema id producers write for an event type (registers all schemas on first use). */
  async schemaIdOf(eventType: EventType): Promise<number> {
    const cached = this.ids.get(eventType);
    if (cached !== undefined) return cached;
    this.registering ??= this.registerAll().finally(() => {
      this.registering = undefined;
    });
    const ids = await this.registering;
    const id = ids.get(eventType);
    if (id === undefined) throw new Error(`no schema id for ${eventType}`);
    return id;
  }

  /** Validates the event (EventValidationError), then encodes it in the Confluent wire format. */
  async encode(event: CommerceEvent): Promise<Buffer> {
    const entry = validateEvent(event, this.catalogue);
    const schemaId = await this.schemaIdOf(entry.eventType);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeInt32BE(schemaId, 1);
    return Buffer.concat([header, entry.type.toBuffer(event)]);
  }

  /**
   * Decodes with the writer schema (fetched from the registry by id, cached) resolved to this
   * package's schema of that event type: fields added by a newer writer are dropped, fields this
   * reader has but the writer lacks get their defaults. Throws EventDecodeError for bytes that
   * can never be decoded; registry outages (no answer, 5xx) throw RegistryUnavailableError.
   */
  async decode(bytes: Buffer): Promise<DecodedEvent> {
    if (!Buffer.isBuffer(bytes) || bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_BYTE) {
      const what = !Buffer.isBuffer(bytes)
        ? 'not a Buffer'
        : bytes.length < HEADER_BYTES
          ? `${bytes.length} bytes, shorter than the 5-byte header`
          : `magic byte ${bytes[0]}, expected 0`;
      throw new EventDecodeError('not-wire-format', what);
    }
    const schemaId = bytes.readInt32BE(1);
    const { entry, resolver } = await this.readerFor(schemaId);
    let event: CommerceEvent;
    try {
      event = entry.type.fromBuffer(bytes.subarray(HEADER_BYTES), resolver) as CommerceEvent;
    } catch (error) {
      throw new EventDecodeError('corrupt', `${entry.fullName} body: ${(error as Error).message}`, schemaId, {
        cause: error,
      });
    }
    if (event.eventType !== entry.eventType) {
      throw new EventDecodeError(
        'unknown-event-type',
        `a ${entry.fullName} record says eventType ${show(event.eventType)}, expected ${entry.eventType}`,
        schemaId,
      );
    }
    return { event, schemaId };
  }

  private async readerFor(schemaId: number): Promise<{ entry: CatalogueEntry; resolver: avro.Resolver | undefined }> {
    const cached = this.readers.get(schemaId);
    if (cached) return cached;
    if (schemaId <= 0) throw new EventDecodeError('unknown-schema', `schema id ${schemaId} is not valid`, schemaId);
    let writer: unknown;
    try {
      writer = await this.registry.getSchema(schemaId);
    } catch (error) {
      throw registryReadError(schemaId, error);
    }
    if (!avro.Type.isType(writer)) {
      throw new EventDecodeError('unknown-event-type', `schema ${schemaId} is not an Avro schema`, schemaId);
    }
    const writerType = writer as avro.Type;
    const entry = writerType.name === undefined ? undefined : this.catalogue.byFullName.get(writerType.name);
    if (!entry) {
      throw new EventDecodeError(
        'unknown-event-type',
        `schema ${schemaId} is ${writerType.name ?? `a ${writerType.typeName}`}, not an event of the catalogue`,
        schemaId,
      );
    }
    let resolver: avro.Resolver | undefined;
    try {
      resolver = entry.type.equals(writerType) ? undefined : entry.type.createResolver(writerType);
    } catch (error) {
      throw new EventDecodeError(
        'unknown-event-type',
        `schema ${schemaId} (${entry.fullName}) cannot be read as this package's ${entry.fullName}: ${(error as Error).message}`,
        schemaId,
        { cause: error },
      );
    }
    const reader = { entry, resolver };
    this.readers.set(schemaId, reader);
    return reader;
  }

  private async register(entry: CatalogueEntry): Promise<number> {
    // Set the subject's level first: Apicurio answers GET /config/<subject> with NONE for a subject
    // that exists without its own level, and the client's register() then refuses (BACKWARD != NONE).
    await this.putCompatibility(entry.subject);
    try {
      const { id } = await this.registry.register(
        { type: SchemaType.AVRO, schema: entry.schemaString },
        { subject: entry.subject, compatibility: COMPATIBILITY.BACKWARD },
      );
      return id;
    } catch (error) {
      throw new SchemaRegistrationError(entry.subject, statusOf(error), (error as Error).message, { cause: error });
    }
  }

  private async putCompatibility(subject: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${this.registryUrl}/config/${encodeURIComponent(subject)}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility: COMPATIBILITY_LEVEL }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new SchemaRegistrationError(subject, undefined, `PUT /config: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new SchemaRegistrationError(
        subject,
        response.status,
        `PUT /config: ${response.status} ${await response.text()}`,
      );
    }
  }
}

/** Network failures the registry client reports as a client error (mappersmith: status 400). */
const NETWORK_FAILURE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|timeout/i;

/**
 * Sorts a failed schema lookup: the registry being unreachable or failing is a moment
 * (RegistryUnavailableError, retry); any other answer about this id is a property of the
 * record (EventDecodeError, park it).
 */
function registryReadError(schemaId: number, error: unknown): Error {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404) {
    return new EventDecodeError('unknown-schema', `the registry has no schema ${schemaId}`, schemaId, { cause: error });
  }
  // An HTTP status is an answer about the moment (5xx, 429, auth) or a client-side failure
  // to reach the registry (mappersmith reports those as 400): wait. Only an error without a
  // status that is no network error (the answer came but cannot be read) is the record's.
  const unavailable =
    status !== undefined || NETWORK_FAILURE.test(message) || (error instanceof Error && 'code' in error);
  if (unavailable) return new RegistryUnavailableError(`schema registry unavailable: ${message}`, { cause: error });
  return new EventDecodeError('unreadable-schema', `schema ${schemaId} cannot be read: ${message}`, schemaId, {
    cause: error,
  });
}

function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const { status } = error as { status: unknown };
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

function formatPath(path: readonly string[]): string {
  return path.reduce((text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

function describeMismatch(value: unknown, type: avro.Type): string {
  const expected = describeType(type);
  return value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${show(value)}`;
}

function describeType(type: avro.Type): string {
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return type.types.map(describeType).join(' | ');
  }
  if (type instanceof avro.types.RecordType) return `record ${type.name ?? ''}`.trim();
  if (type instanceof avro.types.ArrayType) return `array of ${describeType(type.itemsType)}`;
  return type.typeName;
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
