import { commerce } from '@outbox/db';
import { SpanKind } from '@opentelemetry/api';
import type { CommerceEvent, EventCodec } from '@outbox/events';
import { activeTraceparent, tracerOf } from '@outbox/telemetry';

/** A Prisma interactive transaction of the commerce database. */
export type Tx = commerce.Prisma.TransactionClient;

/**
 * The only way the api publishes anything: outbox rows written in the caller's transaction.
 * Debezium reads the committed inserts from the WAL; nothing here talks to Kafka.
 */
export interface OutboxWriter {
  /** Encodes the events (Avro, Confluent wire format) and inserts one outbox row each, in order. */
  write(tx: Tx, events: CommerceEvent[]): Promise<void>;
}

export interface OutboxWriterHooks {
  /** Called after the rows are written (metrics). */
  onWritten?(events: CommerceEvent[]): void;
}

const tracer = tracerOf('api');

export function createOutboxWriter(codec: EventCodec, hooks: OutboxWriterHooks = {}): OutboxWriter {
  return {
    async write(tx, events) {
      if (events.length === 0) return;
      // A PRODUCER span: the trace continues in Kafka from this span, through the row's
      // traceparent (Debezium turns it into the record's `traceparent` header).
      await tracer.startActiveSpan('outbox write', { kind: SpanKind.PRODUCER }, async (span) => {
        try {
          span.setAttributes({
            'messaging.system': 'kafka',
            'messaging.batch.message_count': events.length,
            'outbox.event_types': [...new Set(events.map((e) => e.eventType))],
            'outbox.event_ids': events.map((e) => e.eventId),
          });
          const traceparent = activeTraceparent() ?? null;
          const { sql, join } = commerce.Prisma;
          const rows = [];
          for (const e of events) {
            const payload = new Uint8Array(await codec.encode(e));
            rows.push(
              sql`(${e.eventId}::uuid, ${e.aggregateType}, ${e.aggregateId}, ${e.eventType}, ${payload}, ${traceparent})`,
            );
          }
          // One multi-row INSERT: the rows enter the WAL in this order, and so reach Kafka.
          // Raw SQL: on the hottest path of every write, Prisma's query building cost more CPU
          // than the insert itself (README, Performance).
          await tx.$executeRaw`
            INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
            VALUES ${join(rows)}`;
          hooks.onWritten?.(events);
        } finally {
          span.end();
        }
      });
    },
  };
}
