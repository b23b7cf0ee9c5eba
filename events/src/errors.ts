/** One problem found in an event: the field path (e.g. `items[0].quantity`) and what is wrong. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** `encode` refused an event that does not match its schema. Nothing was written. */
export class EventValidationError extends Error {
  override name = 'EventValidationError';
  /** The field paths at fault, e.g. `['quantity']` or `['items[0].unitPrice']`. */
  readonly fields: string[];

  constructor(
    /** The event's `eventType` as given (may be unknown or missing). */
    readonly eventType: string | undefined,
    readonly issues: ValidationIssue[],
  ) {
    super(
      `invalid ${eventType ?? 'event'} event: ${issues.map((issue) => `${issue.path || '(event)'}: ${issue.message}`).join('; ')}`,
    );
    this.fields = issues.map((issue) => issue.path);
  }
}

/**
 * Why bytes could not be decoded. Every reason is permanent for these bytes: a consumer can park
 * the record in the DLQ at once (registry outages are NOT an EventDecodeError; they are rethrown).
 * - `not-wire-format`: not the Confluent wire format (shorter than 5 bytes or magic byte not 0).
 * - `unknown-schema`: the registry does not know the schema id (HTTP 404).
 * - `unreadable-schema`: the registry answered for the id, but with something the client cannot
 *   read (another schema type, a refused request, a body it cannot parse).
 * - `corrupt`: the Avro body does not decode with the writer schema (truncated, trailing bytes, garbage).
 * - `unknown-event-type`: the writer schema is not an event of this catalogue (or cannot be read
 *   as one), or the decoded `eventType` does not belong to the record.
 */
export type DecodeFailureReason =
  'not-wire-format' | 'unknown-schema' | 'unreadable-schema' | 'corrupt' | 'unknown-event-type';

/**
 * The registry could not answer now (no connection, timeout, 5xx, 429, or it refused our
 * credentials): a property of the moment, never of the record. Consumers wait and retry.
 */
export class RegistryUnavailableError extends Error {
  override name = 'RegistryUnavailableError';
}

export class EventDecodeError extends Error {
  override name = 'EventDecodeError';

  constructor(
    readonly reason: DecodeFailureReason,
    message: string,
    /** The schema id of the wire format header, when there was one. */
    readonly schemaId?: number,
    options?: { cause?: unknown },
  ) {
    super(`cannot decode event (${reason}): ${message}`, options);
  }
}

/** Registering a schema (or setting its subject's compatibility) failed, e.g. 409 for an incompatible change. */
export class SchemaRegistrationError extends Error {
  override name = 'SchemaRegistrationError';

  constructor(
    readonly subject: string,
    /** HTTP status of the registry's answer, when there was one (409 = incompatible). */
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`registering ${subject} failed: ${message}`, options);
  }
}
