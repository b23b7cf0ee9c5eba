import { commerce } from '@outbox/db';
import { SpanKind } from '@opentelemetry/api';
import type { CommerceEvent, EventCodec } from '@outbox/events';
import { activeTraceparent, tracerOf } from '@outbox/telemetry';

/** A Prisma interactive transaction of the commerce database. */
export type Tx = commerce.Prisma.TransactionClient;

/** One outbox row, ready to insert: the event Avro-encoded (Confluent wire format). */
export interface OutboxRow {
  id: string;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: Uint8Array;
  /** The W3C trace context of the outbox write (Debezium turns it into the `traceparent` header). */
  traceparent: string | null;
}

/** What a write statement returns: its own result, and how many of the outbox rows it inserted. */
export interface Written<R> {
  result: R;
  rowsWritten: number;
}

/**
 * The only way the api publishes anything: outbox rows written by the same statement, or in
 * the same transaction, as the business change. Debezium reads the committed inserts from the
 * WAL; nothing here talks to Kafka.
 */
export interface OutboxWriter {
  /**
   * Encodes the events into outbox rows (Avro, before any SQL runs), then runs `statement`,
   * which must insert the rows atomically with the business change: in the same SQL statement
   * (likes, views) or the same transaction (orders, payments). The statement runs in the
   * outbox PRODUCER span, whose trace context the rows carry.
   */
  write<R>(events: CommerceEvent[], statement: (rows: OutboxRow[]) => Promise<Written<R>>): Promise<R>;
}

export interface OutboxWriterHooks {
  /** Called with the events whose rows the statement inserted (metrics; committed or not). */
  onWritten?(events: CommerceEvent[]): void;
}

const tracer = tracerOf('api');

/**
 * `INSERT INTO outbox ... VALUES <rows>` for a transaction's several events: one multi-row
 * INSERT, so the rows enter the WAL in this order, and so reach Kafka.
 */
export function insertOutboxRows(rows: OutboxRow[]): commerce.Prisma.Sql {
  const { sql, join } = commerce.Prisma;
  return sql`
    INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
    VALUES ${join(
      rows.map(
        (r) =>
          sql`(${r.id}::uuid, ${r.aggregateType}, ${r.aggregateId}, ${r.eventType}, ${r.payload}, ${r.traceparent})`,
      ),
    )}`;
}

export function createOutboxWriter(codec: EventCodec, hooks: OutboxWriterHooks = {}): OutboxWriter {
  return {
    async write(events, statement) {
      // A PRODUCER span: the trace continues in Kafka from this span, through the row's
      // traceparent (Debezium turns it into the record's `traceparent` header).
      return tracer.startActiveSpan('outbox write', { kind: SpanKind.PRODUCER }, async (span) => {
        try {
          span.setAttributes({
            'messaging.system': 'kafka',
            'messaging.batch.message_count': events.length,
            'outbox.event_types': [...new Set(events.map((e) => e.eventType))],
            'outbox.event_ids': events.map((e) => e.eventId),
          });
          const traceparent = activeTraceparent() ?? null;
          const rows: OutboxRow[] = [];
          for (const e of events) {
            rows.push({
              id: e.eventId,
              aggregateType: e.aggregateType,
              aggregateId: e.aggregateId,
              eventType: e.eventType,
              payload: new Uint8Array(await codec.encode(e)),
              traceparent,
            });
          }
          const { result, rowsWritten } = await statement(rows);
          if (rowsWritten > 0) hooks.onWritten?.(events.slice(0, rowsWritten));
          return result;
        } finally {
          span.end();
        }
      });
    },
  };
}
