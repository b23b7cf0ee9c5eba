import type { StatusThresholds } from './config';
import type { StatusFacts } from './report';

/**
 * The facts of a healthy, caught-up pipeline, as the collector reads them: a worked example of
 * StatusFacts for anything that judges or renders a status (tests change one part at a time).
 */
export function exampleHealthyFacts(): StatusFacts {
  const partitions = [0, 1, 2].map((partition) => ({ partition, low: 0, high: 100 }));
  return {
    checkedAt: '2026-11-27T00:00:00.000Z',
    connector: {
      ok: true,
      name: 'commerce-outbox',
      state: 'RUNNING',
      workerId: 'w:8083',
      tasks: [{ id: 0, state: 'RUNNING', workerId: 'w:8083' }],
    },
    replicationSlot: {
      ok: true,
      slotName: 'commerce_outbox',
      exists: true,
      active: true,
      lagBytes: 1024,
      retainedBytes: 4096,
    },
    outbox: { ok: true, rows: 300, sizeBytes: 65536, oldestAgeSeconds: 3600 },
    topics: {
      ok: true,
      items: [
        { topic: 'catalog-events', missing: false, partitions, records: 300 },
        { topic: 'catalog-events.dlq', missing: true, partitions: [], records: 0 },
      ],
    },
    groups: {
      ok: true,
      items: [
        {
          groupId: 'metrics',
          role: 'metrics',
          state: 'Stable',
          members: 1,
          lag: 0,
          topics: [
            {
              topic: 'catalog-events',
              lag: 0,
              partitions: partitions.map((p) => ({
                partition: p.partition,
                committed: 100,
                high: 100,
                lag: 0,
                committedAt: '2026-11-26T23:59:00.000Z',
                committedAgeSeconds: 60,
              })),
            },
          ],
        },
      ],
    },
    deadLetters: { ok: true, items: [], waiting: 0 },
    streamer: { ok: true, url: 'http://127.0.0.1:3001', waiting: [] },
    clamps: { ok: true, total: 0 },
    reconcile: { ok: true, last: null },
  };
}

/** The default thresholds (STATUS_MAX_*, OUTBOX_RETENTION_DAYS + 1; docs/configuration.md). */
export const EXAMPLE_THRESHOLDS: StatusThresholds = {
  maxSlotLagBytes: 256 * 1024 * 1024,
  maxConsumerLag: 10_000,
  maxOutboxAgeSeconds: 8 * 86_400,
  maxStallSeconds: 60,
};
