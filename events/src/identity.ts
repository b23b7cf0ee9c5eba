/**
 * One identity per aggregate: a UUID is canonical in lower case, from the moment it enters the
 * system (docs/guarantees.md). Kafka keys, outbox rows, cache keys and responses all carry this
 * spelling, so two spellings of one id can never become two aggregates or two partitions.
 */
const ANY_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a UUID in any case (what a client may send). */
export const isUuid = (text: string): boolean => ANY_CASE_UUID.test(text);

/** True only for the canonical spelling (lower case). */
export const isCanonicalUuid = (text: string): boolean => CANONICAL_UUID.test(text);

/** The canonical spelling of a UUID given in any case, or undefined when it is not a UUID. */
export const canonicalUuid = (text: string): string | undefined => (isUuid(text) ? text.toLowerCase() : undefined);
