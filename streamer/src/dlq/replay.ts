import type { streamer, StreamerClient } from '@outbox/db';
import type { EventCodec } from '@outbox/events';
import type { EventHandler } from '../handlers/handler';
import { decodeRecord } from '../pipeline/decode';
import type { ConsumedRecord } from '../pipeline/record';
import type { DeadLetters } from './dead-letters';

type DeadLetterRow = streamer.DeadLetter;

export interface ReplayDeps {
  db: Pick<StreamerClient, 'deadLetter'>;
  codec: EventCodec;
  handlers: EventHandler[];
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

function recordOf(row: DeadLetterRow): ConsumedRecord {
  return {
    topic: row.topic,
    partition: row.partition,
    offset: row.offset.toString(),
    key: row.messageKey ?? undefined,
    headers: (row.headers ?? {}) as Record<string, string>,
    value: row.value ? Buffer.from(row.value) : null,
  };
}

/** Applies one parked record through its group's handler (the inbox absorbs a repeat). */
async function applyRow(deps: ReplayDeps, row: DeadLetterRow): Promise<void> {
  const handler = deps.handlers.find((h) => h.group === row.consumerGroup);
  if (!handler) throw new DeadLetterError(`no handler for consumer group ${row.consumerGroup}`);
  const decoded = await decodeRecord(deps.codec, recordOf(row));
  if (!decoded.ok) throw new DeadLetterError(decoded.error);
  if (handler.handles(decoded.event)) await handler.apply([decoded.event]);
}

async function markFailed(deps: ReplayDeps, row: DeadLetterRow, err: unknown): Promise<string> {
  const error = err instanceof Error ? err.message : String(err);
  await deps.db.deadLetter.update({
    where: { id: row.id },
    data: { attempts: { increment: 1 }, error: error.slice(0, 4000) },
  });
  return error;
}

/**
 * The operator's acts on the sequenced DLQ. Only the head of an aggregate's queue can be
 * replayed or discarded; afterwards the records parked behind it are applied in order until
 * one fails (it becomes the new head). Each record is applied exactly once in effect: the
 * handler's inbox skips an event that was applied before.
 */
export async function actOnDeadLetter(
  deps: ReplayDeps,
  id: bigint,
  action: 'replay' | 'discard',
): Promise<ReplayReport> {
  const row = await deps.db.deadLetter.findUnique({ where: { id } });
  if (!row) throw new DeadLetterError(`no dead letter #${id}`);
  if (row.status !== 'new') throw new DeadLetterError(`dead letter #${id} is already ${row.status}`);
  if (row.aggregateId) {
    const ahead = await deps.db.deadLetter.findFirst({
      where: { consumerGroup: row.consumerGroup, aggregateId: row.aggregateId, status: 'new', id: { lt: id } },
      orderBy: { id: 'asc' },
    });
    if (ahead)
      throw new DeadLetterError(
        `dead letter #${id} waits behind #${ahead.id} of aggregate ${row.aggregateId}: act on #${ahead.id} first`,
      );
  }

  if (action === 'replay') {
    try {
      await applyRow(deps, row);
    } catch (err) {
      return { id, action, ok: false, error: await markFailed(deps, row, err), released: [] };
    }
  }
  await deps.db.deadLetter.update({ where: { id }, data: { status: action === 'replay' ? 'replayed' : 'discarded' } });

  const released: bigint[] = [];
  if (!row.aggregateId) return { id, action, ok: true, released };
  const aggregateId = row.aggregateId;
  for (;;) {
    // Read the next parked record under the queue lock, so a consumer parking behind the
    // queue at this moment either lands before this read or sees the queue empty.
    const next = await deps.deadLetters.withQueueLock(row.consumerGroup, aggregateId, (tx) =>
      tx.deadLetter.findFirst({
        where: { consumerGroup: row.consumerGroup, aggregateId, status: 'new' },
        orderBy: { id: 'asc' },
      }),
    );
    if (!next) return { id, action, ok: true, released };
    try {
      await applyRow(deps, next);
    } catch (err) {
      return { id, action, ok: true, released, newHead: next.id, error: await markFailed(deps, next, err) };
    }
    await deps.db.deadLetter.update({ where: { id: next.id }, data: { status: 'replayed' } });
    released.push(next.id);
  }
}
