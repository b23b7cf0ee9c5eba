import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import * as avro from 'avsc';
import { CATALOGUE, type Catalogue, type CatalogueEntry } from './catalogue';
import { show } from './describe';
import { EventDecodeError, SchemaRegistrationError } from './errors';
import type { CommerceEvent, EventType } from './generated/event-types';
import { refusalOf, schemaOf, statusOf, unreachable, type SchemaAnswer } from './registry-errors';
import { validateEvent } from './validate';

export interface DecodedEvent {
  event: CommerceEvent;
  /** The writer schema id of the wire format header. */
  schemaId: number;
}

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
const COMPATIBILITY_LEVEL = 'BACKWARD';
const LOOKUP_TIMEOUT_MS = 10_000;

/** GET a schema by id. The registry client drops the error code of a 404, which tells an unknown id apart. */
async function askRegistry(url: string): Promise<SchemaAnswer> {
  try {
    const response = await fetch(url, {
      headers: { Accept: 'application/vnd.schemaregistry.v1+json, application/json' },
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
    return { url, status: response.status, body: await response.text() };
  } catch (error) {
    throw unreachable(url, error);
  }
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
   * can never be decoded; registry outages (no answer, 5xx, a 404 that is not the registry's
   * "schema not found") throw RegistryUnavailableError.
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
    const writerType = await this.writerSchema(schemaId);
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

  /**
   * The writer schema of an id, from GET /schemas/ids/<id>. What each answer means (park the
   * record, or wait for the registry) is decided in registry-errors.ts.
   */
  private async writerSchema(schemaId: number): Promise<avro.Type> {
    const answer = await askRegistry(`${this.registryUrl}/schemas/ids/${schemaId}`);
    if (answer.status !== 200) throw refusalOf(schemaId, answer);
    const { schema, schemaType } = schemaOf(answer);
    if (schemaType !== undefined && schemaType !== 'AVRO') {
      throw new EventDecodeError('unknown-event-type', `schema ${schemaId} is ${show(schemaType)}, not Avro`, schemaId);
    }
    try {
      return avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
    } catch (error) {
      const message = `schema ${schemaId} cannot be read: ${(error as Error).message}`;
      throw new EventDecodeError('unreadable-schema', message, schemaId, { cause: error });
    }
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
