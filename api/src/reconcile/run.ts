import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '@outbox/config';
import type { CommerceClient } from '@outbox/db';
import type { ReconcileSummary } from '@outbox/events';
import type { OutboxWriter } from '../outbox/outbox-writer';
import { ProductSnapshots, type SnapshotMode } from '../services/snapshots';

/** The command's defaults (docs/operations.md#reconcile; the rate is chosen from the bench). */
export const RECONCILE_DEFAULTS = {
  batchSize: 500,
  ratePerSecond: 500,
  settleS: 60,
  reportLimit: 100,
} as const;

export interface ReconcileOptions {
  mode: SnapshotMode;
  /** Only these products; all products otherwise (keyset order). */
  productIds?: string[];
  /** Products per snapshot transaction. */
  batchSize: number;
  /** Most products snapshotted per second. */
  ratePerSecond: number;
  /** Give up waiting when the checks have not moved for this long. */
  settleMs: number;
  /** Differences to report (the streamer counts them all). */
  reportLimit: number;
  log?: (line: string) => void;
}

export interface ReconcileReport extends ReconcileSummary {
  mode: SnapshotMode;
  written: number;
  /** Products written whose check the streamer has not recorded: blocked or still on their way. */
  unchecked: number;
  /** The blocked products among those this run covered. */
  blocked: string[];
}

/** The streamer's GET /reconciles/:id (docs/operations.md#reconcile). */
export type SummaryReader = (reconcileId: string, limit: number) => Promise<ReconcileSummary>;

/** The streamer answered GET /reconciles/:id with an error status. */
export class SummaryHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The `code` of the streamer's error body, when it had one. */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function streamerSummaryReader(streamerUrl: string): SummaryReader {
  return async (reconcileId, limit) => {
    const response = await fetch(`${streamerUrl}/reconciles/${reconcileId}?limit=${limit}`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      const body = errorBodyOf(await response.text().catch(() => ''));
      throw new SummaryHttpError(
        `streamer at ${streamerUrl}: GET /reconciles/${reconcileId}: HTTP ${response.status}${body.message ? `: ${body.message}` : ''}`,
        response.status,
        body.code,
      );
    }
    return (await response.json()) as ReconcileSummary;
  };
}

/** The `message` and `code` of a Fastify error body (or the text of any other), on one short line. */
function errorBodyOf(text: string): { message: string; code?: string } {
  let message = text;
  let code: string | undefined;
  try {
    const parsed = JSON.parse(text) as { message?: unknown; code?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
    if (typeof parsed.code === 'string') code = parsed.code;
  } catch {
    // not JSON: the text itself
  }
  return { message: message.replace(/\s+/g, ' ').trim().slice(0, 300), ...(code ? { code } : {}) };
}

/**
 * Writes product snapshots through the outbox in batches (keyset iteration, at most
 * `ratePerSecond`), then waits until the metrics group has checked each of them, or until the
 * checks stop moving (a product blocked behind a dead letter waits there like any event).
 */
export async function reconcile(
  db: CommerceClient,
  outbox: OutboxWriter,
  readSummary: SummaryReader,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const reconcileId = randomUUID();
  // A streamer that does not know PRODUCT_METRICS_SNAPSHOT would park every snapshot as poison:
  // nothing is written unless the streamer answers for this run first.
  // A streamer that fails to answer is not asked to check anything either.
  await readSummary(reconcileId, 1).catch((err: unknown) => {
    if (err instanceof SummaryHttpError && err.code === 'NO_RECONCILE_GROUP')
      throw new Error(`${err.message}: start the streamer with its metrics group (METRICS_GROUP_ID) to reconcile`);
    if (err instanceof SummaryHttpError && err.status === 404)
      throw new Error(
        `${err.message}: the streamer does not apply product snapshots; deploy one that knows PRODUCT_METRICS_SNAPSHOT first (docs/events.md)`,
      );
    throw new Error(`${messageOf(err)}: the streamer cannot report on a reconcile; nothing was written`);
  });
  const snapshots = new ProductSnapshots(db, outbox);
  const log = options.log ?? (() => undefined);
  let written = 0;
  const started = Date.now();
  for await (const batch of productBatches(db, options)) {
    written += await snapshots.write(batch, options.mode, reconcileId);
    // Rate limit: the batch's share of a second at the given rate.
    const due = started + (written / options.ratePerSecond) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  log(`${written} snapshots written (reconcile ${reconcileId}, ${options.mode})`);

  let summary = await readSummary(reconcileId, options.reportLimit);
  let lastProgress = Date.now();
  while (summary.checked < written && Date.now() - lastProgress < options.settleMs) {
    await sleep(250);
    const next = await readSummary(reconcileId, options.reportLimit);
    if (next.checked > summary.checked) lastProgress = Date.now();
    summary = next;
  }
  const inScope = options.productIds ? new Set(options.productIds) : undefined;
  const blocked = summary.blockedProducts.filter((p) => !inScope || inScope.has(p));
  return { ...summary, mode: options.mode, written, unchecked: written - summary.checked, blocked };
}

/** The products to snapshot, a batch at a time: the given ids, or every product by id (keyset). */
async function* productBatches(db: CommerceClient, options: ReconcileOptions): AsyncGenerator<string[]> {
  if (options.productIds) {
    for (let i = 0; i < options.productIds.length; i += options.batchSize)
      yield options.productIds.slice(i, i + options.batchSize);
    return;
  }
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM products WHERE id > ${after}::uuid ORDER BY id LIMIT ${options.batchSize}`;
    if (rows.length === 0) return;
    yield rows.map((r) => r.id);
    after = rows[rows.length - 1]?.id ?? after;
  }
}
