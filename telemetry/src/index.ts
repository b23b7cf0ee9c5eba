export { startTracing, tracerOf, tracesExporterFromEnv } from './tracing';
export type { Tracing, TracingOptions, TracesExporterKind } from './tracing';
export { activeTraceparent, contextFromHeaders, TRACEPARENT_HEADER } from './trace-context';
export { exitWithFatal, loggerOptions } from './logging';
export { kafkajsLogCreator } from './kafkajs-logger';
export type { KafkajsLogCreator, KafkajsLogEntry } from './kafkajs-logger';
export { repeatedKeys, topLevelKeys } from './log-line';
