import type { Level, Logger } from 'pino';

/**
 * What kafkajs hands its `logCreator` for each line (its `LogEntry`, declared here by shape so
 * this package needs no kafkajs): the level as kafkajs numbers it, the component (`namespace`,
 * e.g. `Connection`, `Consumer`) and the line itself, with kafkajs's own `timestamp`.
 */
export interface KafkajsLogEntry {
  namespace: string;
  level: number;
  label: string;
  log: { message: string; [field: string]: unknown };
}

/** kafkajs's `logCreator` option: called once per client with its level, returns the writer. */
export type KafkajsLogCreator = (clientLevel: number) => (entry: KafkajsLogEntry) => void;

/** kafkajs's levels (ERROR 1, WARN 2, INFO 4, DEBUG 5; NOTHING 0 never writes). */
const PINO_LEVEL: Record<number, Level> = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' };

/** Fields of kafkajs's line that pino's line already has in its own form. */
const DROPPED = new Set(['message', 'timestamp']);

/**
 * kafkajs lines through a pino logger, so a service writes one JSON shape: pino's `level` number,
 * `time` and `msg`, the logger's bindings, then kafkajs's `namespace` and its fields (`broker`,
 * `error`, `groupId`, `retryCount`...). kafkajs's own level option still decides what it emits;
 * the logger's level filters again. A kafkajs field whose name the line already has (`level`,
 * `time`, `msg`, `pid`, a binding) moves under `kafkajs`, so no key appears twice.
 */
export function kafkajsLogCreator(logger: Logger): KafkajsLogCreator {
  // pino's own keys (`pid` and `hostname` unless `base` replaces them), then the bindings.
  const own = ['level', 'time', 'msg', 'pid', 'hostname', 'namespace', 'kafkajs'];
  const taken = new Set([...own, ...Object.keys(logger.bindings())]);
  return () =>
    ({ namespace, level, label, log }) => {
      const method = PINO_LEVEL[level] ?? pinoLevelOf(label);
      const fields: Record<string, unknown> = { namespace };
      const clashes: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(log)) {
        if (DROPPED.has(key)) continue;
        if (taken.has(key)) clashes[key] = value;
        else fields[key] = value;
      }
      if (Object.keys(clashes).length > 0) fields.kafkajs = clashes;
      logger[method](fields, log.message);
    };
}

function pinoLevelOf(label: string): Level {
  const level = label.toLowerCase();
  return level === 'error' || level === 'warn' || level === 'debug' ? level : 'info';
}
