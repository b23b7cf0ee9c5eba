/** The faults a chaos run can inject (no imports: the CLI reads them before the stack is chosen). */

/** Processes a chaos run kills with SIGKILL and restarts: two servers of the stack, two services of ours. */
export const KILL_TARGETS = ['connect', 'streamer', 'kafka', 'api'] as const;
/**
 * Faults of the dependencies: PostgreSQL restarted (it serves commerce, streamer and the
 * registry's storage), Redis and the schema registry stopped for an outage, a rebalance
 * storm (a second streamer joining and leaving the run's consumer groups, under load), and
 * two that hang instead of refusing: Redis pausing every write (CLIENT PAUSE) and a lock held
 * on product_metrics, each longer than the consumer session.
 */
export const DEPENDENCY_TARGETS = ['postgres', 'redis', 'registry', 'rebalance', 'redis-pause', 'table-lock'] as const;
export const FAULT_TARGETS = [...KILL_TARGETS, ...DEPENDENCY_TARGETS] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

/** How long each kind of fault lasts. */
export interface FaultPlan {
  /** How long a killed process, or a stopped PostgreSQL, stays down, drawn between [min, max]. */
  downtimeMs: [number, number];
  /** How long Redis and the registry stay stopped. */
  outageMs: number;
  /** How long Redis stays paused and the table lock is held (longer than the consumer session). */
  holdMs: number;
  /** Joins and leaves of the second streamer in one rebalance storm. */
  stormCycles: number;
  /** How long the second streamer stays in the groups once ready, drawn between [min, max]. */
  stormMemberMs: [number, number];
}
