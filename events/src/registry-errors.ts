import { EventDecodeError, RegistryUnavailableError } from './errors';

/** Network failures the registry client reports as a client error (mappersmith: status 400). */
const NETWORK_FAILURE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|timeout/i;

/**
 * Sorts a failed schema lookup: the registry being unreachable or failing is a moment
 * (RegistryUnavailableError, retry); any other answer about this id is a property of the
 * record (EventDecodeError, park it).
 */
export function registryReadError(schemaId: number, error: unknown): Error {
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

export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const { status } = error as { status: unknown };
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}
