import type { EventEmitter } from 'node:events';
import type { StreamerMetrics } from './prometheus';
import type { Dependency } from './pipeline/classify';

/** Partitions of a group that wait for a dependency, and what it answered them. */
export interface DependencyWait {
  group: string;
  dependency: Dependency;
  /** What the dependency answered: SQLSTATE and message, a network error, a Redis reply, an HTTP status. */
  reason: string;
  partitions: number;
  /** When the first of these partitions began waiting with this answer (ISO time). */
  since: string;
}

/** A dependency's last connection error (a client that gave up says only that it gave up), or undefined. */
export type ConnectionError = () => string | undefined;

/** The `onWait` hook of PartitionProcessor. */
export type WaitHook = (dependency: Dependency, waiting: boolean, waitedMs: number, reason: string) => void;

const MAX_REASON_CHARS = 300;

/** Prisma's wrapping of a driver error: "Invalid `prisma.$queryRaw()` invocation:" ... */
const PRISMA_INVOCATION = /^\s*Invalid `[^`]*` invocation:\s*/;
/** ... "Raw query failed. Code: `55P03`. Message: `canceling statement ...`" (Code `N/A`: no SQLSTATE). */
const PRISMA_RAW_QUERY = /^Raw query failed\. Code: `([^`]*)`\. Message: `([\s\S]*)`$/;

/**
 * The answer in an error message, on one line: Prisma's wording around a PostgreSQL error becomes
 * "<SQLSTATE> <message>"; anything else is kept as it is. Long messages are cut.
 */
export function answerOf(message: string): string {
  const text = message.replace(PRISMA_INVOCATION, '').trim();
  const raw = PRISMA_RAW_QUERY.exec(text);
  const answer = raw ? [raw[1] === 'N/A' ? '' : raw[1], raw[2]].join(' ') : text;
  const line = answer.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line;
}

/** Remembers the last error an emitter (an ioredis client) reported, until it is ready again. */
export function lastConnectionError(client: Pick<EventEmitter, 'on'>): ConnectionError {
  let last: string | undefined;
  client.on('error', (err: Error) => (last = err.message));
  client.on('ready', () => (last = undefined));
  return () => last;
}

interface OpenWait {
  group: string;
  dependency: Dependency;
  reason: string;
  partitions: number;
  since: number;
}

/**
 * The waits of every group's partitions: counted in Prometheus (streamer_dependency_waiting,
 * labels group and dependency only, so its series stay few), and listed with what the dependency
 * answered for GET /waits (free text has no place in a label).
 */
export class DependencyWaits {
  private readonly open = new Map<string, OpenWait>();

  constructor(
    private readonly metrics: Pick<StreamerMetrics, 'dependencyWaiting' | 'dependencyWaitSeconds'>,
    private readonly connectionErrors: Partial<Record<Dependency, ConnectionError>> = {},
  ) {}

  /** The onWait hook of one group's PartitionProcessor. */
  hookFor(group: string): WaitHook {
    return (dependency, waiting, waitedMs, reason) => {
      if (waiting) this.begin(group, dependency, reason);
      else this.end(group, dependency, reason, waitedMs);
    };
  }

  list(): DependencyWait[] {
    return [...this.open.values()].map((w) => ({ ...w, since: new Date(w.since).toISOString() }));
  }

  private begin(group: string, dependency: Dependency, reason: string): void {
    this.metrics.dependencyWaiting.inc({ group, dependency });
    const key = keyOf(group, dependency, reason);
    const wait = this.open.get(key);
    if (wait) wait.partitions += 1;
    else
      this.open.set(key, {
        group,
        dependency,
        reason: this.describe(dependency, reason),
        partitions: 1,
        since: Date.now(),
      });
  }

  private end(group: string, dependency: Dependency, reason: string, waitedMs: number): void {
    this.metrics.dependencyWaiting.dec({ group, dependency });
    this.metrics.dependencyWaitSeconds.inc({ group, dependency }, waitedMs / 1000);
    const key = keyOf(group, dependency, reason);
    const wait = this.open.get(key);
    if (wait && --wait.partitions <= 0) this.open.delete(key);
  }

  /** The answer, with the connection error when the client only says that it gave up. */
  private describe(dependency: Dependency, reason: string): string {
    const answer = answerOf(reason);
    const connection = this.connectionErrors[dependency]?.();
    return connection === undefined || answer.includes(connection) ? answer : answerOf(`${connection} (${answer})`);
  }
}

const keyOf = (...parts: string[]): string => parts.join('\u0000');
