import type { StackEndpoints } from '@outbox/config';

/** Every knob of a run, with its unit in its name; cli.ts fills them from the command line. */
export interface BenchOptions {
  /** HTTP connections (autocannon) and pgbench clients. */
  connections: number;
  /** Duration of the api write and pgbench runs. */
  durationS: number;
  /** Outbox rows inserted for the capture measurement, and rows per INSERT transaction. */
  captureRows: number;
  captureRowsPerTx: number;
  /** Rows for the polling baseline (its rate is capped at 100/s, so fewer). */
  pollingRows: number;
  /** The target rate of the latency run (its step gives the e2e_* figures). */
  e2eRatePerS: number;
  /** The offered rates of the latency curve (the target rate is added when missing). */
  e2eRatesPerS: number[];
  /** Duration of each step of the latency curve. */
  e2eDurationS: number;
  /** Events pre-filled for the streamer in batch mode and in single mode. */
  streamerBatchEvents: number;
  streamerSingleEvents: number;
  /** Distinct products the generated events spread over. */
  products: number;
  /** Products added for the reconcile cost (every product of the database is reconciled). */
  reconcileProducts: number;
  /** The `--rate` of the throttled reconcile, whose live p99 is measured. */
  reconcileRatePerS: number;
  /** Write V8 CPU profiles of the api and streamer processes to this folder. */
  cpuProfileDir: string | undefined;
  log: (line: string) => void;
}

export interface BenchContext {
  options: BenchOptions;
  endpoints: StackEndpoints;
  /** Unique per run: names groups, topics and member ids so runs never collide. */
  runId: string;
  runStartedMs: number;
}
