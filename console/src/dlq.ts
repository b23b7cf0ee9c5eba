import {
  DeadLetterDesk,
  DeadLetterError,
  type DeadLetterView,
  type ReplayReport,
  type StreamerConfig,
} from '@outbox/streamer';

export const STATUSES = ['new', 'replayed', 'discarded', 'all'] as const;
export type StatusFilter = (typeof STATUSES)[number];

export interface DlqFilter {
  status: StatusFilter;
  group?: string;
  aggregate?: string;
}

export type DlqEntry = DeadLetterView;

const MAX_ROWS = 200;

/**
 * The dead-letter queue through the streamer's own desk (the one `npm run dlq` uses): the same
 * listing and decoding, the same act (which refuses anything but a queue head). Listing needs
 * the streamer database and the registry only.
 */
export class Dlq {
  private readonly desk: DeadLetterDesk;

  constructor(config: StreamerConfig) {
    this.desk = new DeadLetterDesk(config);
  }

  list(filter: DlqFilter): Promise<DlqEntry[]> {
    return this.desk.list(filter, MAX_ROWS);
  }

  act(id: bigint, action: 'replay' | 'discard'): Promise<ReplayReport> {
    return this.desk.act(id, action);
  }

  close(): Promise<void> {
    return this.desk.close();
  }
}

export { DeadLetterError };
