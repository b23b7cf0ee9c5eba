import { textOf } from '../../streamer/src/pipeline/record';
import { decodeRecord } from '../../streamer/src/pipeline/decode';
import { decodeHeaders, recordOfRow, type DeadLetterRow } from '../../streamer/src/dlq/dead-letters';
import { actOnDeadLetter, DeadLetterError, type ReplayReport } from '../../streamer/src/dlq/replay';
import type { StreamerConfig } from '../../streamer/src/config';
import { createStreamerDeps, type StreamerDeps } from '../../streamer/src/service';

export const STATUSES = ['new', 'replayed', 'discarded', 'all'] as const;
export type StatusFilter = (typeof STATUSES)[number];

export interface DlqFilter {
  status: StatusFilter;
  group?: string;
  aggregate?: string;
}

export interface DlqEntry {
  id: string;
  group: string;
  topic: string;
  partition: number;
  offset: string;
  aggregateId: string | null;
  eventId: string | null;
  eventType: string | null;
  key: string | null;
  headers: { name: string; value: string | null }[];
  status: string;
  attempts: number;
  error: string;
  published: boolean;
  createdAt: string;
  /** The first waiting record of its (group, aggregate) queue: the only one that can be acted on. */
  head: boolean;
  /** The decoded event as JSON, or why it does not decode (then `hex` holds the value bytes). */
  payload: { ok: true; json: string } | { ok: false; error: string; hex: string };
}

const MAX_ROWS = 200;

/**
 * The dead-letter queue through the streamer's own code: the same deps as `npm run dlq`
 * (createStreamerDeps), the same decoding (recordOfRow, decodeHeaders, decodeRecord), the same
 * act (actOnDeadLetter, which refuses anything but a queue head). Deps are created on first use.
 */
export class Dlq {
  private deps: Promise<StreamerDeps> | undefined;

  constructor(private readonly config: StreamerConfig) {}

  private streamerDeps(): Promise<StreamerDeps> {
    this.deps ??= createStreamerDeps(this.config).catch((err: unknown) => {
      this.deps = undefined;
      throw err;
    });
    return this.deps;
  }

  async list(filter: DlqFilter): Promise<DlqEntry[]> {
    const deps = await this.streamerDeps();
    const rows = await deps.deadLetters.list(filter, MAX_ROWS);
    const heads = await this.headsOf(deps, rows);
    return Promise.all(rows.map(async (r) => this.entryOf(deps, r, heads.has(r.id.toString()))));
  }

  /** Ids of the listed rows that head their queue. */
  private async headsOf(deps: StreamerDeps, rows: DeadLetterRow[]): Promise<Set<string>> {
    if (!rows.some((r) => r.status === 'new')) return new Set();
    return deps.deadLetters.headIds();
  }

  private async entryOf(deps: StreamerDeps, r: DeadLetterRow, head: boolean): Promise<DlqEntry> {
    let payload: DlqEntry['payload'];
    const hex = r.value ? Buffer.from(r.value).toString('hex') : '';
    try {
      const decoded = await decodeRecord(deps.codec, recordOfRow(r));
      payload = decoded.ok
        ? {
            ok: true,
            json: JSON.stringify(decoded.event, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2),
          }
        : { ok: false, error: decoded.error, hex };
    } catch (err) {
      payload = { ok: false, error: `not decoded: ${err instanceof Error ? err.message : String(err)}`, hex };
    }
    return {
      id: r.id.toString(),
      group: r.consumerGroup,
      topic: r.topic,
      partition: r.partition,
      offset: r.offset.toString(),
      aggregateId: r.aggregateId,
      eventId: r.eventId,
      eventType: r.eventType,
      key: r.messageKey ? textOf(Buffer.from(r.messageKey)) : null,
      headers: decodeHeaders(r.headers).map((h) => ({
        name: h.name,
        value: h.value === null ? null : textOf(h.value),
      })),
      status: r.status,
      attempts: r.attempts,
      error: r.error,
      published: r.publishedAt !== null,
      createdAt: r.createdAt.toISOString(),
      head,
      payload,
    };
  }

  async act(id: bigint, action: 'replay' | 'discard'): Promise<ReplayReport> {
    return actOnDeadLetter(await this.streamerDeps(), id, action);
  }

  async close(): Promise<void> {
    const deps = this.deps;
    this.deps = undefined;
    if (deps) await (await deps.catch(() => undefined))?.close();
  }
}

export { DeadLetterError };
