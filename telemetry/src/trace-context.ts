import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/**
 * The W3C trace context travels with an event: the api stores the active span's
 * `traceparent` in the outbox row, Debezium copies it into the Kafka header of the same name
 * (`table.fields.additional.placement` in the connector), and the consumer continues it.
 */
export const TRACEPARENT_HEADER = 'traceparent';

/** The active span's traceparent, or undefined outside any span. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier[TRACEPARENT_HEADER];
}

/** The context a consumer continues from a record's headers (the root context when absent). */
export function contextFromHeaders(headers: Record<string, string | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}
