import type { StreamerClient } from '@outbox/db';
import type { EventCodec } from '@outbox/events';
import type { HandlerRegistry } from '../handlers/registry';
import { decodeRecord } from '../pipeline/decode';
import { recordOfRow, type DeadLetterRow, type DeadLetters } from './dead-letters';

export interface ReplayDeps {
  db: Pick<StreamerClient, 'deadLetter' | '$queryRaw'>;
  codec: EventCodec;
  handlers: Pick<HandlerRegistry, 'forGroup'>;
  deadLetters: DeadLetters;
}

export interface ReplayReport {
  id: bigint;
  action: 'replay' | 'discard';
  ok: boolean;
  error?: string;
  /** Records of the same aggregate applied after it, in order. */
  released: bigint[];
  /** The record that now heads the aggregate's queue, if one failed while releasing. */
  newHead?: bigint;
}

export class DeadLetterError extends Error {
  override readonly name = 'DeadLetterError';
}

/** Applies one parked record through its group's handler (the inbox absorbs a repeat). */
async function applyRow(deps: ReplayDeps, row: DeadLetterRow): Promise<void> {
  const handler = deps.handlers.forGroup(row.consumerGroup);
  if (!handler) throw new DeadLetterError(`no handler for consumer group ${row.consumerGroup}`);
  const decoded = await decodeRecord(deps.codec, recordOfRow(row));
  if (!decoded.ok) throw new DeadLetterError(decoded.error);
  if (handler.handles(decoded.event)) await handler.apply([decoded.event]);
}

async function markFailed(deps: ReplayDeps, row: DeadLetterRow, err: unknown): Promise<string> {
  const error = err instanceof Error ? err.message : String(err);
  await deps.db.deadLetter.update({
    where: { id: row.id },
    data: { attempts: { increment: 1 }, error: error.replaceAll('\u0000', '\\0').slice(0, 4000) },
  });
  return error;
}

/** The waiting record of the same queue with a lower (topic, partition, offset), if any. */
async function aheadOf(deps: ReplayDeps, row: DeadLetterRow): Promise<bigint | undefined> {
  const rows = await deps.db.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM dead_letter
    WHERE consumer_group = ${row.consumerGroup} AND queue_key = ${row.queueKey} AND status = 'new'
      AND (topic, "partition", "offset") < (${row.topic}, ${row.partition}, ${row.offset})
    ORDER BY topic, "partition", "offset" LIMIT 1`;
  return rows[0]?.id;
}

/** Moves a waiting row to its final status, once (a row already settled is left as it is). */
async function settle(deps: ReplayDeps, id: bigint, status: 'replayed' | 'discarded'): Promise<void> {
  await deps.db.deadLetter.updateMany({ where: { id, status: 'new' }, data: { status } });
}

/**
 * The operator's acts on the sequenced DLQ. Only the head of an aggregate's queue (its lowest
 * waiting offset) can be replayed or discarded; afterwards the records parked behind it are
 * applied in offset order until one fails (it becomes the new head). Each record is applied
 * exactly once in effect: the handler's inbox skips an event that was applied before, and the
 * inbox purge keeps the rows of events that still wait here (jobs/inbox-purge.ts).
 */
export async function actOnDeadLetter(
  deps: ReplayDeps,
  id: bigint,
  action: 'replay' | 'discard',
): Promise<ReplayReport> {
  const row = await deps.db.deadLetter.findUnique({ where: { id } });
  if (!row) throw new DeadLetterError(`no dead letter #${id}`);
  if (row.status !== 'new') throw new DeadLetterError(`dead letter #${id} is already ${row.status}`);
  if (row.queueKey) {
    const ahead = await aheadOf(deps, row);
    if (ahead !== undefined)
      throw new DeadLetterError(
        `dead letter #${id} waits behind #${ahead} of aggregate ${row.aggregateId} (a lower offset): act on #${ahead} first`,
      );
  }

  if (action === 'replay') {
    try {
      await applyRow(deps, row);
    } catch (err) {
      return { id, action, ok: false, error: await markFailed(deps, row, err), released: [] };
    }
  }
  await settle(deps, id, action === 'replay' ? 'replayed' : 'discarded');

  const released: bigint[] = [];
  if (!row.queueKey) return { id, action, ok: true, released };
  const queueKey = row.queueKey;
  for (;;) {
    // Read the next parked record under the queue lock, so a consumer parking behind the
    // queue at this moment either lands before this read or sees the queue empty.
    const next = await deps.deadLetters.withQueueLock(row.consumerGroup, queueKey, (tx) =>
      tx.deadLetter.findFirst({
        where: { consumerGroup: row.consumerGroup, queueKey, status: 'new' },
        orderBy: [{ topic: 'asc' }, { partition: 'asc' }, { offset: 'asc' }],
      }),
    );
    if (!next) return { id, action, ok: true, released };
    try {
      await applyRow(deps, next);
    } catch (err) {
      return { id, action, ok: true, released, newHead: next.id, error: await markFailed(deps, next, err) };
    }
    await settle(deps, next.id, 'replayed');
    released.push(next.id);
  }
}
