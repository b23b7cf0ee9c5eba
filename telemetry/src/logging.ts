import { trace } from '@opentelemetry/api';
import pino, { type LoggerOptions } from 'pino';

/**
 * pino options shared by api and streamer: JSON lines, the level from configuration, the
 * active trace and span ids on every line (so logs join traces), and no secrets or payload
 * bytes even if a caller logs a whole object by mistake.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
    redact: {
      paths: ['req.headers.authorization', 'payload', 'value', '*.payload', '*.value'],
      censor: '[redacted]',
    },
  };
}

/**
 * The last line of a service that cannot go on: one JSON line in the logger's shape, then exit 1.
 * A refused login is said plainly (what refused whom); anything else carries its stack.
 */
export function exitWithFatal(service: string, err: unknown): never {
  const log = pino({ ...loggerOptions('info'), base: { service } });
  if (err instanceof Error && err.name === 'LoginRefusedError') {
    log.fatal({ refused: (err as Error & { server?: string }).server }, `start-up refused: ${err.message}`);
  } else {
    log.fatal({ err }, err instanceof Error ? err.message : String(err));
  }
  process.exit(1);
}
