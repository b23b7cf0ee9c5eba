// The route's `schema.hide` is @fastify/swagger's extension of FastifySchema.
import type {} from '@fastify/swagger';
import { outboxBacklog, replicationSlotState, type CommerceClient } from '@outbox/db';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  outboxEventsWritten: Counter<'event_type'>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const outboxEventsWritten = new Counter({
    name: 'outbox_events_written_total',
    help: 'Outbox rows written (committed or not), by event type',
    labelNames: ['event_type'] as const,
    registers: [registry],
  });
  return { registry, outboxEventsWritten };
}

/** GET /metrics in Prometheus format, and request durations by route and status. */
export function registerMetrics(app: FastifyInstance, metrics: ApiMetrics): void {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // Scraped every few seconds: no access-log line per scrape.
  app.get('/metrics', { schema: { hide: true }, logLevel: 'silent' }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/**
 * The health of the capture path, read from PostgreSQL at scrape time: the api owns the
 * commerce database, where the outbox and Debezium's replication slot live. A failed read
 * leaves the gauges without a value (and `outbox_health_read_errors_total` counts it).
 */
export function registerOutboxGauges(metrics: ApiMetrics, db: CommerceClient, slotName: string): void {
  const registers = [metrics.registry];
  const readErrors = new Counter({
    name: 'outbox_health_read_errors_total',
    help: 'Scrapes where the outbox or replication slot state could not be read',
    registers,
  });
  const slot = { slot: slotName };
  new Gauge({
    name: 'outbox_replication_slot_lag_bytes',
    help: "WAL written after the connector's confirmed position (pg_current_wal_lsn - confirmed_flush_lsn)",
    labelNames: ['slot'] as const,
    registers,
    async collect() {
      const state = await replicationSlotState(db, slotName).catch(() => undefined);
      if (!state) return readErrors.inc();
      retained.set(slot, state.retainedBytes ?? 0);
      active.set(slot, state.active ? 1 : 0);
      exists.set(slot, state.exists ? 1 : 0);
      this.set(slot, state.lagBytes ?? 0);
    },
  });
  const retained = new Gauge({
    name: 'outbox_replication_slot_retained_wal_bytes',
    help: 'WAL PostgreSQL keeps on disk for the slot (pg_current_wal_lsn - restart_lsn)',
    labelNames: ['slot'] as const,
    registers,
  });
  const active = new Gauge({
    name: 'outbox_replication_slot_active',
    help: '1 while the connector is attached to the slot and streaming',
    labelNames: ['slot'] as const,
    registers,
  });
  const exists = new Gauge({
    name: 'outbox_replication_slot_exists',
    help: '1 when the replication slot exists',
    labelNames: ['slot'] as const,
    registers,
  });
  new Gauge({
    name: 'outbox_rows',
    help: 'Rows in the outbox table (planner estimate); the cleanup job deletes them after the retention',
    registers,
    async collect() {
      const backlog = await outboxBacklog(db).catch(() => undefined);
      if (!backlog) return readErrors.inc();
      oldest.set(backlog.oldestAgeSeconds ?? 0);
      this.set(backlog.rows);
    },
  });
  const oldest = new Gauge({
    name: 'outbox_oldest_row_age_seconds',
    help: 'Age of the oldest outbox row (0 when empty): above the retention, cleanup is not keeping up',
    registers,
  });
}
