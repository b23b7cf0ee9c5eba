import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { z } from 'zod';

/**
 * Where spans go, from the standard OpenTelemetry variables: `OTEL_TRACES_EXPORTER=otlp`
 * (or any `OTEL_EXPORTER_OTLP_*ENDPOINT` set) sends OTLP/HTTP, `console` prints them, `none`
 * (the default) records nothing outside the process. The trace context is created and
 * propagated in every case, so outbox rows and Kafka headers always carry a traceparent.
 */
const envSchema = z.object({
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

export type TracesExporterKind = 'otlp' | 'console' | 'none';

export function tracesExporterFromEnv(env: NodeJS.ProcessEnv = process.env): TracesExporterKind {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid OpenTelemetry configuration: ${detail}`);
  }
  const e = parsed.data;
  if (e.OTEL_TRACES_EXPORTER) return e.OTEL_TRACES_EXPORTER;
  return e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : 'none';
}

export interface TracingOptions {
  serviceName: string;
  /** Replaces the exporter chosen from the environment (tests read spans in memory). */
  exporter?: SpanExporter;
  env?: NodeJS.ProcessEnv;
}

export interface Tracing {
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

function processorsFor(options: TracingOptions): SpanProcessor[] {
  if (options.exporter) return [new SimpleSpanProcessor(options.exporter)];
  switch (tracesExporterFromEnv(options.env)) {
    case 'otlp':
      // The exporter reads OTEL_EXPORTER_OTLP_* itself; the processor reads OTEL_BSP_*.
      return [new BatchSpanProcessor(new OTLPTraceExporter())];
    case 'console':
      return [new SimpleSpanProcessor(new ConsoleSpanExporter())];
    case 'none':
      return [];
  }
}

/**
 * Registers the process-wide tracer provider, the AsyncLocalStorage context manager and the
 * W3C trace-context propagator. Call once, at process start, before serving.
 */
export function startTracing(options: TracingOptions): Tracing {
  const env = options.env ?? process.env;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? options.serviceName }),
    spanProcessors: processorsFor({ ...options, env }),
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

/** The tracer of one of our components (instrumentation scope = component name). */
export const tracerOf = (component: string): Tracer => trace.getTracer(`@outbox/${component}`);
