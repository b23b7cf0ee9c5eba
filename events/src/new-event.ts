import { randomUUID } from 'node:crypto';
import { CATALOGUE, type Catalogue } from './catalogue';
import { ENVELOPE_FIELDS, type EnvelopeField } from './definitions';
import type { EventType, EventTypeMap } from './generated/event-types';

/** The event interface of one event type, e.g. `EventOf<'PRODUCT_LIKED'>` = `ProductLiked`. */
export type EventOf<T extends EventType> = EventTypeMap[T];
/** The own fields of an event type (everything but the envelope). */
export type EventFields<T extends EventType> = Omit<EventOf<T>, EnvelopeField>;

export interface NewEventOptions {
  /** Default: `crypto.randomUUID()`. Pass the outbox row id when you have one. */
  eventId?: string;
  /** Epoch milliseconds or a Date. Default: now. */
  occurredAt?: number | Date;
}

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
