import type { StackConfig } from '@outbox/config';
import type { ManagedProcess } from '../processes';
import type { StackVersions } from '../versions';

/** One server of the native stack. The orchestrator (stack.ts) drives these in order. */
export interface Component {
  readonly name: string;
  /** host:port clients use. */
  readonly address: string;
  /** Every port the server binds; each must be free before it starts. */
  readonly ports: number[];
  readonly process: ManagedProcess;
  /** Components that must be healthy before this one starts. */
  readonly dependsOn: string[];
  /**
   * Components with the same start group are launched together, then awaited together: a node of
   * a three-node KRaft quorum cannot become healthy until a majority of the nodes runs.
   */
  readonly startGroup?: string;
  /** Signal for a graceful stop (SIGTERM unless the server prefers another). */
  readonly stopSignal?: NodeJS.Signals;
  /** Folders `down --clean` deletes. */
  readonly dataDirs: string[];
  /** Installs or downloads what is missing and initialises data; idempotent, offline when cached. */
  prepare(): Promise<void>;
  /** Spawns the server detached and returns its pid. */
  launch(): Promise<number>;
  /** A real client-level check (a query, a ping, an API call), not only an open port. */
  healthy(): Promise<boolean>;
  /** Work after the first healthy start (e.g. create databases); idempotent. */
  afterHealthy?(): Promise<void>;
  /** The version the running server reports, or the pinned one. */
  version(): Promise<string | undefined>;
}

export interface ComponentContext {
  config: StackConfig;
  versions: StackVersions;
}
