import { loadStatusConfig, type StatusConfig } from '@outbox/ops';
import { parseEnv, SERVICE_PORTS } from '@outbox/config';
import { z } from 'zod';
import { loadStreamerConfig, type StreamerConfig } from '@outbox/streamer';

export interface ConsoleConfig {
  port: number;
  host: string;
  /** Actions (replay, discard) need this token; undefined: actions are disabled. */
  token: string | undefined;
  /** How often the server reads the pipeline for the charts (the last 15 minutes are kept). */
  sampleIntervalMs: number;
  windowMs: number;
  status: StatusConfig;
  /** The streamer's settings (database, groups, registry) for the DLQ code it shares with `npm run dlq`. */
  streamer: StreamerConfig;
}

const schema = z.object({
  CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(SERVICE_PORTS.console),
  HOST: z.string().min(1).default('127.0.0.1'),
  CONSOLE_TOKEN: z.string().optional(),
  CONSOLE_SAMPLE_INTERVAL_MS: z.coerce.number().int().min(200).default(5_000),
});

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const e = parseEnv(schema, env, 'console');
  const token = e.CONSOLE_TOKEN?.trim();
  return {
    port: e.CONSOLE_PORT,
    host: e.HOST,
    token: token ? token : undefined,
    sampleIntervalMs: e.CONSOLE_SAMPLE_INTERVAL_MS,
    windowMs: 15 * 60_000,
    status: loadStatusConfig(env),
    streamer: { ...loadStreamerConfig(env), logLevel: 'warn' },
  };
}
