import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the streamer (served at GET /metrics). */
export function createStreamerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    eventsApplied: new Counter({
      name: 'streamer_events_applied_total',
      help: 'Events whose effect was applied, by consumer group and event type',
      labelNames: ['group', 'event_type'] as const,
      registers: [registry],
    }),
    duplicatesSkipped: new Counter({
      name: 'streamer_events_duplicate_total',
      help: 'Redelivered events the inbox had seen already (skipped), by group and event type',
      labelNames: ['group', 'event_type'] as const,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'streamer_events_dead_lettered_total',
      help: 'Records parked in the dead-letter queue, by group and topic',
      labelNames: ['group', 'topic'] as const,
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: 'streamer_batch_duration_seconds',
      help: 'Time to process one partition batch, commit included',
      labelNames: ['group'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'streamer_batch_size',
      help: 'Records per partition batch',
      labelNames: ['group'] as const,
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500],
      registers: [registry],
    }),
    clamped: new Counter({
      name: 'streamer_metric_clamped_total',
      help: 'Counter deltas that would have gone below zero and were clamped (drift: stays 0 with correct ordering)',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    drifted: new Counter({
      name: 'streamer_projection_drift_total',
      help: 'Product snapshots (npm run reconcile) that found product_metrics different from the commerce tables',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    dependencyWaiting: new Gauge({
      name: 'streamer_dependency_waiting',
      help: 'Partitions of the group waiting for a dependency that fails (postgres, redis, registry, kafka, unknown); what it answered: GET /waits',
      labelNames: ['group', 'dependency'] as const,
      registers: [registry],
    }),
    dependencyWaitSeconds: new Counter({
      name: 'streamer_dependency_wait_seconds_total',
      help: 'Time partitions spent waiting for a failing dependency (a batch retried, nothing parked)',
      labelNames: ['group', 'dependency'] as const,
      registers: [registry],
    }),
    batchesAbandoned: new Counter({
      name: 'streamer_batches_abandoned_total',
      help: 'Batches given up without committing (rebalance or shutdown): redelivered, the inbox absorbs repeats',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    committedAt: new Gauge({
      name: 'streamer_partition_committed_at_seconds',
      help: 'Unix time of the last offset commit of a partition (a stalled partition stops moving it)',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'streamer_consumer_lag',
      help: 'Records behind the partition end after the last batch',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers: [registry],
    }),
  };
}

export type StreamerMetrics = ReturnType<typeof createStreamerMetrics>;
