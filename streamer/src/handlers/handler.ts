import type { CommerceEvent } from '@outbox/events';

export interface ApplyOutcome {
  /** Events whose effect was applied now. */
  applied: CommerceEvent[];
  /** Events the inbox had seen already: skipped. */
  duplicates: CommerceEvent[];
  /** Counter deltas that would have gone below zero and were clamped (drift: must stay 0). */
  clamped?: number;
  /** Snapshots that found the projection different from the source (docs/operations.md#reconcile). */
  drifted?: number;
}

/**
 * A consumer group's business effect. `apply` receives the events of one partition in order
 * (a whole batch in batch mode, one event in single mode) and applies each exactly once in
 * effect, with its inbox rows.
 */
export interface EventHandler {
  readonly group: string;
  readonly topics: string[];
  /** Events this group acts on; the others are acknowledged without effect or inbox row. */
  handles(event: CommerceEvent): boolean;
  apply(events: CommerceEvent[]): Promise<ApplyOutcome>;
}
