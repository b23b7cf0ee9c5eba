import pino from 'pino';
import { kafkajsLogCreator, loggerOptions, repeatedKeys, type KafkajsLogEntry } from '../src';

/** A service's logger writing into an array: the raw JSON text of each line. */
function capturedLogger(level = 'debug') {
  const lines: string[] = [];
  const log = pino(
    { ...loggerOptions(level), base: { service: 'test' } },
    { write: (line: string) => void lines.push(line.trimEnd()) },
  );
  return { log, lines };
}

/** What kafkajs passes its logCreator's writer (kafkajs/src/loggers: its level numbers and fields). */
const entry = (level: number, label: string, extra: Record<string, unknown> = {}): KafkajsLogEntry => ({
  namespace: 'Connection',
  level,
  label,
  log: {
    timestamp: '2024-01-01T00:00:00.000Z',
    logger: 'kafkajs',
    message: 'Connection error: connect ECONNREFUSED 127.0.0.1:1',
    broker: '127.0.0.1:1',
    clientId: 'streamer',
    ...extra,
  },
});

describe('kafkajs lines through pino', () => {
  it("have pino's shape: numeric level, time, msg, the logger's bindings, kafkajs's namespace and fields", () => {
    const { log, lines } = capturedLogger();
    const write = kafkajsLogCreator(log)(2);
    write(entry(1, 'ERROR', { error: 'connect ECONNREFUSED 127.0.0.1:1' }));
    write(entry(2, 'WARN'));
    write(entry(4, 'INFO'));
    write(entry(5, 'DEBUG'));

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => l.level)).toEqual([50, 40, 30, 20]);
    for (const line of parsed) {
      expect(line).toMatchObject({
        time: expect.any(Number),
        service: 'test',
        namespace: 'Connection',
        msg: 'Connection error: connect ECONNREFUSED 127.0.0.1:1',
        broker: '127.0.0.1:1',
        clientId: 'streamer',
      });
      expect(line).not.toHaveProperty('timestamp');
      expect(line).not.toHaveProperty('message');
    }
    expect(parsed[0]?.error).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });

  it("leaves to the logger's level what it writes", () => {
    const { log, lines } = capturedLogger('warn');
    const write = kafkajsLogCreator(log)(5);
    write(entry(5, 'DEBUG'));
    write(entry(4, 'INFO'));
    write(entry(2, 'WARN'));
    expect(lines.map((l) => (JSON.parse(l) as { level: number }).level)).toEqual([40]);
  });

  it('writes each key once: a kafkajs field named like a key of the line moves under `kafkajs`', () => {
    const { log, lines } = capturedLogger();
    kafkajsLogCreator(log.child({ group: 'metrics' }))(2)(
      entry(2, 'WARN', { level: 'x', time: 'y', msg: 'z', service: 'kafka', group: 'g' }),
    );
    const [line = ''] = lines;
    expect(repeatedKeys(line)).toEqual([]);
    expect(JSON.parse(line)).toMatchObject({
      level: 40,
      service: 'test',
      group: 'metrics',
      kafkajs: { level: 'x', time: 'y', msg: 'z', service: 'kafka', group: 'g' },
    });
  });
});

describe('repeatedKeys', () => {
  it('finds a top-level key named twice, and ignores nested and quoted look-alikes', () => {
    expect(repeatedKeys('{"level":30,"group":"a","msg":"x","group":"b"}')).toEqual(['group']);
    expect(repeatedKeys('{"a":{"b":1,"b":2},"msg":"\\"a\\":1"}')).toEqual([]);
  });
});
