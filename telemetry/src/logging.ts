import { trace } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';

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
