import { messageOf } from '@outbox/config';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamerClient } from '@outbox/db';
import type { EventCodec } from '@outbox/events';
import type { HandlerRegistry } from '../handlers/registry';
import { decodeRecord } from '../pipeline/decode';
import { classify, type Fault } from '../pipeline/classify';
import { exponentialBackoff, type BackoffStrategy } from '../strategies/backoff';
import { recordOfRow, storable, type DeadLetterRow, type DeadLetters } from './dead-letters';

export interface ReplayDeps {
  db: Pick<StreamerClient, 'deadLetter' | '$queryRaw'>;
  codec: EventCodec;
  handlers: Pick<HandlerRegistry, 'forGroup'>;
  deadLetters: DeadLetters;
  /** Pause before retrying a step a dependency failed (default: 100 ms doubling up to 5 s). */
  backoff?: BackoffStrategy;
  /** Told of each transient failure the release waits out (logs, the console). */
  onWait?: (fault: Extract<Fault, { kind: 'wait' }>, attempt: number) => void;
}

const DEFAULT_BACKOFF = exponentialBackoff(100, 5000);

/**
 * Runs one step of an operator's act; a dependency that fails (a database or Redis blip, the
 * registry away) is waited out with backoff, so a release always finishes what it started.
 * What the record itself causes (poison) is thrown.
 */
async function waitingOut<T>(deps: ReplayDeps, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (err) {
      const fault = classify(err);
      if (fault.kind !== 'wait' || err instanceof DeadLetterError) throw err;
      deps.onWait?.(fault, attempt);
      await sleep((deps.backoff ?? DEFAULT_BACKOFF)(attempt));
    }
  }
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

/** Why an operator's act was refused, for a program to act on (the console's HTTP status). */
export type DeadLetterRefusal =
  'NOT_FOUND' | 'ALREADY_SETTLED' | 'NOT_HEAD' | 'NO_HANDLER' | 'UNDECODABLE' | 'BAD_INPUT';

export class DeadLetterError extends Error {
  override readonly name = 'DeadLetterError';

  constructor(
    message: string,
    readonly code: DeadLetterRefusal = 'BAD_INPUT',
  ) {
    super(message);
  }
}

/** Applies one parked record through its group's handler (the inbox absorbs a repeat). */
async function applyRow(deps: ReplayDeps, row: DeadLetterRow): Promise<void> {
  const handler = deps.handlers.forGroup(row.consumerGroup);
  if (!handler) throw new DeadLetterError(`no handler for consumer group ${row.consumerGroup}`, 'NO_HANDLER');
  const decoded = await decodeRecord(deps.codec, recordOfRow(row));
  if (!decoded.ok) throw new DeadLetterError(decoded.error, 'UNDECODABLE');
  if (handler.handles(decoded.event)) await handler.apply([decoded.event]);
}

async function markFailed(deps: ReplayDeps, row: DeadLetterRow, err: unknown): Promise<string> {
  const error = messageOf(err);
  await waitingOut(deps, () =>
    deps.db.deadLetter.update({
      where: { id: row.id },
      data: { attempts: { increment: 1 }, error: storable(error) },
    }),
  );
  return error;
}

/** Applies the row, waiting out dependency failures; resolves to the error that makes it fail for good. */
async function applied(deps: ReplayDeps, row: DeadLetterRow): Promise<unknown> {
  try {
    await waitingOut(deps, () => applyRow(deps, row));
    return undefined;
  } catch (err) {
    return err;
  }
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
  const row = await waitingOut(deps, () => deps.db.deadLetter.findUnique({ where: { id } }));
  if (!row) throw new DeadLetterError(`no dead letter #${id}`, 'NOT_FOUND');
  if (row.status !== 'new') throw new DeadLetterError(`dead letter #${id} is already ${row.status}`, 'ALREADY_SETTLED');
  if (row.queueKey) {
    const ahead = await waitingOut(deps, () => deps.deadLetters.waitingAhead(row));
    if (ahead !== undefined)
      throw new DeadLetterError(
        `dead letter #${id} waits behind #${ahead} of aggregate ${row.aggregateId} (a lower offset): act on #${ahead} first`,
        'NOT_HEAD',
      );
  }

  if (action === 'replay') {
    const failure = await applied(deps, row);
    if (failure !== undefined)
      return { id, action, ok: false, error: await markFailed(deps, row, failure), released: [] };
  }
  await waitingOut(deps, () => settle(deps, id, action === 'replay' ? 'replayed' : 'discarded'));

  const released: bigint[] = [];
  if (!row.queueKey) return { id, action, ok: true, released };
  const queueKey = row.queueKey;
  for (;;) {
    // Read the next parked record under the queue lock, so a consumer parking behind the
    // queue at this moment either lands before this read or sees the queue empty.
    const next = await waitingOut(deps, () =>
      deps.deadLetters.withQueueLock(row.consumerGroup, queueKey, (tx) =>
        tx.deadLetter.findFirst({
          where: { consumerGroup: row.consumerGroup, queueKey, status: 'new' },
          orderBy: [{ topic: 'asc' }, { partition: 'asc' }, { offset: 'asc' }],
        }),
      ),
    );
    if (!next) return { id, action, ok: true, released };
    const failure = await applied(deps, next);
    if (failure !== undefined)
      return { id, action, ok: true, released, newHead: next.id, error: await markFailed(deps, next, failure) };
    await waitingOut(deps, () => settle(deps, next.id, 'replayed'));
    released.push(next.id);
  }
}
