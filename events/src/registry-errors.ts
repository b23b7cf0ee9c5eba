import { EventDecodeError, RegistryUnavailableError } from './errors';

/** Confluent's error code for "schema not found", in the body of a 404 to GET /schemas/ids/<id>. */
export const SCHEMA_NOT_FOUND = 40403;

/** The registry's answer to GET /schemas/ids/<id>. */
export interface SchemaAnswer {
  url: string;
  status: number;
  body: string;
}

function parsed(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;

const excerpt = (body: string): string => (body.length > 200 ? `${body.slice(0, 200)}...` : body);

/**
 * What an answer other than 200 means. Only the registry saying "schema not found" (404 with
 * error_code 40403) is about the record's schema id: EventDecodeError, the record is parked. A 404
 * without that code comes from something that is not a registry's Confluent API (a base path
 * without `/apis/ccompat/v7`, a proxy without its backend), and any other status is about the
 * moment (5xx, 429, refused credentials): RegistryUnavailableError, the consumer waits; the
 * message names the URL so that a wrong address can be seen.
 */
export function refusalOf(schemaId: number, answer: SchemaAnswer): Error {
  const { url, status, body } = answer;
  if (status === 404 && field(parsed(body), 'error_code') === SCHEMA_NOT_FOUND) {
    return new EventDecodeError('unknown-schema', `the registry has no schema ${schemaId} (GET ${url})`, schemaId);
  }
  const what =
    status === 404
      ? `404 without error code ${SCHEMA_NOT_FOUND}: the URL does not lead to a schema registry's Confluent API (check the registry URL and its base path)`
      : `${status}`;
  return new RegistryUnavailableError(`schema registry unavailable: GET ${url} answered ${what}: ${excerpt(body)}`);
}

/**
 * The schema of a 200 answer: `schema` (the schema text) and `schemaType` (absent for Avro).
 * A body that is not such an object is no answer about the id (a web page served for any path):
 * RegistryUnavailableError. A schema text that cannot be read is decided by the caller.
 */
export function schemaOf(answer: SchemaAnswer): { schema: string; schemaType: unknown } {
  const body = parsed(answer.body);
  const schema = field(body, 'schema');
  if (typeof schema !== 'string') {
    throw new RegistryUnavailableError(
      `schema registry unavailable: GET ${answer.url} answered 200 without a schema: ${excerpt(answer.body)}`,
    );
  }
  return { schema, schemaType: field(body, 'schemaType') };
}

/** No answer at all (connection refused, reset, timeout): wait. */
export function unreachable(url: string, error: unknown): RegistryUnavailableError {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  const message = error instanceof Error ? error.message : String(error);
  return new RegistryUnavailableError(`schema registry unavailable: GET ${url}: ${message}${cause}`, { cause: error });
}

export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const { status } = error as { status: unknown };
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}
