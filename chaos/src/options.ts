import type { FaultPlan, FaultTarget } from './faults';

/** What a chaos run does: its seed, workload and faults (chaos/src/cli.ts parses them). */
export interface ChaosOptions extends FaultPlan {
  seed: number;
  /** How long the workload runs at least (it goes on until every target was hit once). */
  durationMs: number;
  products: number;
  members: number;
  concurrency: number;
  /** Concurrent readers of GET /products/:id (they fill the product cache); 2 unless set. */
  readers?: number;
  /** Pause before each fault, drawn between [min, max]. */
  faultEveryMs: [number, number];
  targets: FaultTarget[];
  /** Pause between two odd records of the hostile producer (hostile.ts); undefined: no hostile producer. */
  oddEveryMs?: [number, number];
  log: (line: string) => void;
}
