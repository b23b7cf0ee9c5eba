import { messageOf } from '@outbox/config';
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { contextFromHeaders, tracerOf } from '@outbox/telemetry';
import type { BatchResult } from '../pipeline/partition-processor';
import type { ConsumedRecord } from '../pipeline/record';

const tracer = tracerOf('streamer');

/**
 * One CONSUMER span per record, child of the trace the api started: the record's
 * `traceparent` header (written by the api into the outbox row, copied by Debezium) is the
 * parent, so one trace runs HTTP request -> outbox write -> Kafka -> this effect.
 * The spans cover the batch the record was processed in, until its offset is committed.
 */
export class RecordSpans {
  private readonly spans = new Map<string, Span>();

  constructor(group: string, records: ConsumedRecord[]) {
    for (const record of records) {
      const eventId = record.headers.id;
      if (eventId === undefined || record.headers.traceparent === undefined) continue;
      const span = tracer.startSpan(
        `process ${record.topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'process',
            'messaging.destination.name': record.topic,
            'messaging.destination.partition.id': String(record.partition),
            'messaging.kafka.offset': Number(record.offset),
            'messaging.consumer.group.name': group,
            'messaging.message.id': eventId,
            'event.type': record.headers.eventType ?? 'unknown',
            'event.aggregate_id': record.key ?? '',
          },
        },
        contextFromHeaders(record.headers),
      );
      this.spans.set(eventId, span);
    }
  }

  /** Ends every span with the record's outcome: applied, duplicate, or neither (ignored or parked). */
  end(result: BatchResult): void {
    const outcome = new Map<string, string>();
    for (const e of result.applied) outcome.set(e.eventId, 'applied');
    for (const e of result.duplicates) outcome.set(e.eventId, 'duplicate');
    for (const [eventId, span] of this.spans) {
      span.setAttribute('event.outcome', outcome.get(eventId) ?? 'not applied');
      span.end();
    }
  }

  /** The batch failed for good (the consumer stops): the spans end as errors. */
  fail(err: unknown): void {
    for (const span of this.spans.values()) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(err) });
      span.end();
    }
  }
}
