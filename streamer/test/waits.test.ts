import { EventEmitter } from 'node:events';
import type { StreamerClient } from '@outbox/db';
import type { EventCodec } from '@outbox/events';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { buildStreamerApp } from '../src/app';
import type { DeadLetters } from '../src/dlq/dead-letters';
import type { EventHandler } from '../src/handlers/handler';
import { createStreamerMetrics } from '../src/prometheus';
import { PartitionProcessor } from '../src/pipeline/partition-processor';
import { toConsumedRecord } from '../src/pipeline/record';
import { answerOf, DependencyWaits, lastConnectionError, type DependencyWait } from '../src/waits';

/** A PostgreSQL error as Prisma 7's pg adapter throws it from a raw query (what the handlers run). */
const postgresError = (code: string, message: string) =>
  Object.assign(
    new Error(
      `\nInvalid \`prisma.$queryRaw()\` invocation:\n\n\nRaw query failed. Code: \`${code}\`. Message: \`${message}\``,
    ),
    {
      name: 'PrismaClientKnownRequestError',
      code: 'P2010',
      meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: code, originalMessage: message } } },
    },
  );

const DISK_FULL = 'could not extend file "base/16384/16397": No space left on device';

/** What a partition's wait reports: what the dependency answered, not just that it is "down". */
describe('dependency waits: what the dependency answered', () => {
  it("keeps the SQLSTATE and message of a PostgreSQL error out of Prisma's wording", () => {
    expect(
      answerOf(
        `\nInvalid \`prisma.$queryRaw()\` invocation:\n\n\nRaw query failed. Code: \`53100\`. Message: \`${DISK_FULL}\``,
      ),
    ).toBe(`53100 ${DISK_FULL}`);
    expect(
      answerOf(
        "\nInvalid `prisma.$queryRaw()` invocation:\n\n\nRaw query failed. Code: `N/A`. Message: `Can't reach database server at 127.0.0.1:5432`",
      ),
    ).toBe("Can't reach database server at 127.0.0.1:5432");
    expect(answerOf('schema registry unavailable: Confluent_Schema_Registry - Service Unavailable')).toBe(
      'schema registry unavailable: Confluent_Schema_Registry - Service Unavailable',
    );
    const long = answerOf(`Connection error:\n ${'x'.repeat(1_000)}`);
    expect([long.length, long.startsWith('Connection error: xx'), long.endsWith('…')]).toEqual([300, true, true]);
  });

  it('lists the waits by group, dependency and answer; Prometheus keeps only group and dependency', async () => {
    const metrics = createStreamerMetrics();
    const waits = new DependencyWaits(metrics);
    const metricsGroup = waits.hookFor('metrics');
    metricsGroup('postgres', true, 0, `Raw query failed. Code: \`53100\`. Message: \`${DISK_FULL}\``);
    metricsGroup('postgres', true, 0, `Raw query failed. Code: \`53100\`. Message: \`${DISK_FULL}\``);
    metricsGroup('postgres', true, 0, 'Raw query failed. Code: `53300`. Message: `too many connections`');
    expect(waits.list()).toEqual([
      {
        group: 'metrics',
        dependency: 'postgres',
        reason: `53100 ${DISK_FULL}`,
        partitions: 2,
        since: expect.any(String),
      },
      {
        group: 'metrics',
        dependency: 'postgres',
        reason: '53300 too many connections',
        partitions: 1,
        since: expect.any(String),
      },
    ]);
    const exposition = await metrics.registry.metrics();
    expect(exposition).toContain('streamer_dependency_waiting{group="metrics",dependency="postgres"} 3');
    expect(exposition).not.toContain('53100');

    metricsGroup('postgres', false, 1_500, 'Raw query failed. Code: `53300`. Message: `too many connections`');
    metricsGroup('postgres', false, 1_500, `Raw query failed. Code: \`53100\`. Message: \`${DISK_FULL}\``);
    expect(waits.list()).toEqual([expect.objectContaining({ reason: `53100 ${DISK_FULL}`, partitions: 1 })]);
    metricsGroup('postgres', false, 1_000, `Raw query failed. Code: \`53100\`. Message: \`${DISK_FULL}\``);
    expect(waits.list()).toEqual([]);
    const after = await metrics.registry.metrics();
    expect(after).toContain('streamer_dependency_waiting{group="metrics",dependency="postgres"} 0');
    expect(after).toContain('streamer_dependency_wait_seconds_total{group="metrics",dependency="postgres"} 4');
  });

  it("names the Redis connection's error when the client only says it gave up", () => {
    const redis = new EventEmitter();
    const waits = new DependencyWaits(createStreamerMetrics(), { redis: lastConnectionError(redis) });
    const gaveUp =
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.';
    redis.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:16379'));
    waits.hookFor('cache')('redis', true, 0, gaveUp);
    expect(waits.list()[0]?.reason).toBe(`connect ECONNREFUSED 127.0.0.1:16379 (${gaveUp})`);
    // Connected again: a reply of the server is its own answer.
    redis.emit('ready');
    waits.hookFor('cache')('redis', true, 0, "READONLY You can't write against a read only replica.");
    expect(waits.list()[1]?.reason).toBe("READONLY You can't write against a read only replica.");
  });

  it('follows the answer a waiting batch gets: a new answer replaces the old one', async () => {
    const answers = [
      postgresError('57P03', 'the database system is starting up'),
      postgresError('53100', DISK_FULL),
      postgresError('53100', DISK_FULL),
    ];
    const seen: DependencyWait[][] = [];
    const waits = new DependencyWaits(createStreamerMetrics());
    const onWait = waits.hookFor('metrics');
    // The partition's first database read fails until the answers run out; the empty record is then parked.
    const deadLetters = {
      parkedOffsets: async () => {
        const answer = answers.shift();
        if (answer) throw answer;
        return new Set<string>();
      },
      queueHeads: async () => new Map(),
      park: async () => undefined,
    } as unknown as DeadLetters;
    const processor = new PartitionProcessor({
      handler: {
        group: 'metrics',
        topics: [],
        handles: () => true,
        apply: async () => ({ applied: [], duplicates: [] }),
      } as EventHandler,
      codec: {} as EventCodec,
      db: {} as StreamerClient,
      deadLetters,
      applyMode: 'batch',
      maxAttempts: 1,
      backoff: () => 1,
      log: pino({ level: 'silent' }),
      hooks: {
        onWait: (dependency, waiting, waitedMs, reason) => {
          onWait(dependency, waiting, waitedMs, reason);
          seen.push(waits.list());
        },
      },
    });
    const empty = toConsumedRecord('catalog-events', 0, {
      key: null,
      value: null,
      headers: {},
      offset: '0',
      timestamp: '0',
      attributes: 0,
    });
    await processor.process([empty], { heartbeat: async () => undefined, isRunning: () => true });

    expect(seen.map((list) => list.map((w) => `${w.dependency}: ${w.reason} (${w.partitions})`))).toEqual([
      ['postgres: 57P03 the database system is starting up (1)'],
      [],
      [`postgres: 53100 ${DISK_FULL} (1)`],
      [],
    ]);
  });

  it('serves the waits at GET /waits', async () => {
    const waits = new DependencyWaits(createStreamerMetrics());
    waits.hookFor('metrics')('postgres', true, 0, `Raw query failed. Code: \`53100\`. Message: \`${DISK_FULL}\``);
    const app = buildStreamerApp({
      db: {} as StreamerClient,
      redis: {} as Redis,
      metrics: createStreamerMetrics(),
      waits,
      groups: [],
      logLevel: 'silent',
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${url}/waits`).finally(() => app.close());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      waits: [
        {
          group: 'metrics',
          dependency: 'postgres',
          reason: `53100 ${DISK_FULL}`,
          partitions: 1,
          since: expect.any(String),
        },
      ],
    });
  });
});
