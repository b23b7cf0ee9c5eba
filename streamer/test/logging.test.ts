import { EventEmitter } from 'node:events';
import {
  eventually,
  preparePipeline,
  startGroupsAtEnd,
  startStreamer,
  uniqueName,
  type ServiceProcess,
} from '@outbox/e2e';
import { loggerOptions, repeatedKeys } from '@outbox/telemetry';
import type { Kafka } from 'kafkajs';
import pino from 'pino';
import { GroupConsumer } from '../src/kafka/group-consumer';
import { createStreamerMetrics } from '../src/prometheus';

/** A logger as the service makes one, writing into an array: the raw JSON text of each line. */
function capturedLogger() {
  const lines: string[] = [];
  const log = pino(
    { ...loggerOptions('debug'), base: { service: 'streamer' } },
    { write: (line: string) => void lines.push(line.trimEnd()) },
  );
  return { log, lines };
}

type Line = Record<string, unknown> & { msg?: string; req?: { url?: string } };

/** What every line a service writes looks like: pino's, whoever wrote it (Fastify, kafkajs, ours). */
function expectPinoShape(raw: string, service?: string): void {
  const line = JSON.parse(raw) as Line;
  expect({ raw, repeated: repeatedKeys(raw) }).toEqual({ raw, repeated: [] });
  expect(line).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
  if (service !== undefined) expect(line).toMatchObject({ service });
  expect(line).not.toHaveProperty('timestamp');
}

describe('streamer logs', () => {
  it('a consumer line names its group once (the logger it is given is bound to the group)', async () => {
    const { log, lines } = capturedLogger();
    // The kafkajs side is a stand-in: joining and crashing on demand.
    const standIn = Object.assign(new EventEmitter(), {
      events: { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop', DISCONNECT: 'disconnect' },
      disconnect: async () => undefined,
      pause: () => undefined,
    });
    const consumer = new GroupConsumer({
      kafka: { consumer: () => standIn } as unknown as Kafka,
      groupId: 'metrics',
      topics: ['catalog-events'],
      processor: { process: async () => ({ applied: [], duplicates: [], parked: 0, clamped: 0, drifted: 0 }) },
      metrics: createStreamerMetrics(),
      log: log.child({ group: 'metrics' }),
      sessionTimeoutMs: 6000,
      partitionsConsumedConcurrently: 1,
    });
    standIn.emit('join', { payload: { memberAssignment: { 'catalog-events': [0] } } });
    standIn.emit('crash', { payload: { error: new Error('broker went away'), restart: true, groupId: 'metrics' } });
    await consumer.stop();

    expect(lines.map((l) => (JSON.parse(l) as Line).msg)).toEqual(['joined the consumer group', 'consumer crashed']);
    for (const raw of lines) {
      expect({ raw, group: raw.split('"group":').length - 1 }).toEqual({ raw, group: 1 });
      expectPinoShape(raw, 'streamer');
    }
  });

  describe('the running service', () => {
    const groups = { METRICS_GROUP_ID: uniqueName('log-metrics'), CACHE_GROUP_ID: uniqueName('log-cache') };
    let streamer: ServiceProcess | undefined;

    beforeAll(async () => {
      await preparePipeline();
      await startGroupsAtEnd(Object.values(groups));
      // Its /ready is polled until it answers 200: those requests must not be logged either.
      streamer = await startStreamer({ ...groups, LOG_LEVEL: 'info' });
    });
    afterAll(() => streamer?.kill('SIGTERM'));

    const linesOf = (s: ServiceProcess): string[] =>
      s
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'));

    it('writes no access-log line for probes and scrapes, and one for any other route', async () => {
      const s = streamer as ServiceProcess;
      for (let round = 0; round < 3; round++) {
        for (const path of ['/metrics', '/health', '/ready', '/waits']) {
          const res = await fetch(`${s.url}${path}`);
          await res.arrayBuffer();
        }
      }
      const rankings = '/rankings?by=likes&limit=1';
      expect((await fetch(`${s.url}${rankings}`)).status).toBe(200);
      const lines = await eventually('the request lines of GET /rankings', async () => {
        const all = linesOf(s);
        return all.some((l) => (JSON.parse(l) as Line).msg === 'request completed') ? all : undefined;
      });

      const parsed = lines.map((l) => JSON.parse(l) as Line);
      expect(parsed.filter((l) => l.msg === 'incoming request').map((l) => l.req?.url)).toEqual([rankings]);
      expect(parsed.filter((l) => l.msg === 'request completed')).toHaveLength(1);
    });

    it("writes every line in one shape, each key once (a consumer's group too)", () => {
      const lines = linesOf(streamer as ServiceProcess);
      for (const raw of lines) expectPinoShape(raw, 'streamer');
      const joined = lines.filter((l) => (JSON.parse(l) as Line).msg === 'joined the consumer group');
      expect(new Set(joined.map((l) => (JSON.parse(l) as Line).group))).toEqual(new Set(Object.values(groups)));
    });
  });
});
