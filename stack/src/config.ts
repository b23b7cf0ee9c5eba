import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv } from './env';

/**
 * Where every server of the stack listens and keeps its files.
 *
 * Two profiles share one download cache: `dev` (the default ports, for a person and for
 * `npm start`) and `test` (every port + 10000 and its own data folder), so `npm test`
 * never touches a running dev stack. Any value can be overridden by an environment
 * variable; the README lists them.
 */
export type StackProfile = 'dev' | 'test';

export interface StackConfig {
  profile: StackProfile;
  host: string;
  repoRoot: string;
  /** Per-profile state: data/, logs/, run/ (pid files), conf/. */
  home: string;
  /** Where clients reach each server; STACK_HOST unless overridden (the compose network has one host per service). */
  clientHosts: { postgres: string; redis: string; kafka: string; registry: string; connect: string };
  /** Shared download cache (git-ignored). */
  cacheDir: string;
  dataDir: string;
  logDir: string;
  runDir: string;
  confDir: string;
  postgres: { port: number; user: string; password: string; databases: string[]; hostForConnect: string };
  redis: { port: number };
  kafka: { port: number; controllerPort: number; heapMb: number };
  registry: { port: number; managementPort: number; heapMb: number; database: string };
  connect: { port: number; heapMb: number };
  startTimeoutMs: number;
  stopTimeoutMs: number;
}

export const DEFAULT_PORTS = {
  PG_PORT: 5432,
  REDIS_PORT: 6379,
  KAFKA_PORT: 9092,
  KAFKA_CONTROLLER_PORT: 9093,
  REGISTRY_PORT: 8081,
  REGISTRY_MANAGEMENT_PORT: 9081,
  CONNECT_PORT: 8083,
} as const;

/** The test profile shifts every default port by this much. */
export const TEST_PORT_OFFSET = 10000;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  STACK_PROFILE: z.enum(['dev', 'test']).default('dev'),
  STACK_HOST: z.string().min(1).default('127.0.0.1'),
  STACK_HOME: z.string().min(1).optional(),
  STACK_CACHE_DIR: z.string().min(1).optional(),
  PG_HOST: z.string().min(1).optional(),
  REDIS_HOST: z.string().min(1).optional(),
  KAFKA_HOST: z.string().min(1).optional(),
  REGISTRY_HOST: z.string().min(1).optional(),
  CONNECT_HOST: z.string().min(1).optional(),
  PG_PORT: port.optional(),
  PG_USER: z.string().min(1).default('outbox'),
  PG_PASSWORD: z.string().min(1).default('outbox'),
  /** How Kafka Connect reaches PostgreSQL (the compose stack: the service name "postgres"). */
  PG_HOST_FOR_CONNECT: z.string().min(1).optional(),
  REDIS_PORT: port.optional(),
  KAFKA_PORT: port.optional(),
  KAFKA_CONTROLLER_PORT: port.optional(),
  KAFKA_HEAP_MB: positiveInt.default(768),
  REGISTRY_PORT: port.optional(),
  REGISTRY_MANAGEMENT_PORT: port.optional(),
  REGISTRY_HEAP_MB: positiveInt.default(512),
  CONNECT_PORT: port.optional(),
  CONNECT_HEAP_MB: positiveInt.default(768),
  STACK_START_TIMEOUT_MS: positiveInt.default(180_000),
  STACK_STOP_TIMEOUT_MS: positiveInt.default(30_000),
});

export const repoRoot = resolve(__dirname, '..', '..');

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env, profileOverride?: StackProfile): StackConfig {
  const e = parseEnv(envSchema, env, 'stack');
  const profile = profileOverride ?? e.STACK_PROFILE;
  const offset = profile === 'test' ? TEST_PORT_OFFSET : 0;
  const portOf = (name: keyof typeof DEFAULT_PORTS): number => e[name] ?? DEFAULT_PORTS[name] + offset;
  const home = resolve(e.STACK_HOME ?? join(repoRoot, '.stack', profile));

  const config: StackConfig = {
    profile,
    host: e.STACK_HOST,
    repoRoot,
    home,
    clientHosts: {
      postgres: e.PG_HOST ?? e.STACK_HOST,
      redis: e.REDIS_HOST ?? e.STACK_HOST,
      kafka: e.KAFKA_HOST ?? e.STACK_HOST,
      registry: e.REGISTRY_HOST ?? e.STACK_HOST,
      connect: e.CONNECT_HOST ?? e.STACK_HOST,
    },
    cacheDir: resolve(e.STACK_CACHE_DIR ?? join(repoRoot, '.stack', 'cache')),
    dataDir: join(home, 'data'),
    logDir: join(home, 'logs'),
    runDir: join(home, 'run'),
    confDir: join(home, 'conf'),
    postgres: {
      port: portOf('PG_PORT'),
      user: e.PG_USER,
      password: e.PG_PASSWORD,
      databases: ['commerce', 'streamer', 'registry'],
      hostForConnect: e.PG_HOST_FOR_CONNECT ?? e.STACK_HOST,
    },
    redis: { port: portOf('REDIS_PORT') },
    kafka: {
      port: portOf('KAFKA_PORT'),
      controllerPort: portOf('KAFKA_CONTROLLER_PORT'),
      heapMb: e.KAFKA_HEAP_MB,
    },
    registry: {
      port: portOf('REGISTRY_PORT'),
      managementPort: portOf('REGISTRY_MANAGEMENT_PORT'),
      heapMb: e.REGISTRY_HEAP_MB,
      database: 'registry',
    },
    connect: { port: portOf('CONNECT_PORT'), heapMb: e.CONNECT_HEAP_MB },
    startTimeoutMs: e.STACK_START_TIMEOUT_MS,
    stopTimeoutMs: e.STACK_STOP_TIMEOUT_MS,
  };
  assertDistinctPorts(config);
  return config;
}

function assertDistinctPorts(config: StackConfig): void {
  const ports: Record<string, number> = {
    postgres: config.postgres.port,
    redis: config.redis.port,
    kafka: config.kafka.port,
    'kafka controller': config.kafka.controllerPort,
    registry: config.registry.port,
    'registry management': config.registry.managementPort,
    connect: config.connect.port,
  };
  const seen = new Map<number, string>();
  for (const [name, p] of Object.entries(ports)) {
    const other = seen.get(p);
    if (other) throw new Error(`invalid stack configuration: ${name} and ${other} both use port ${p}`);
    seen.set(p, name);
  }
}

/** Client-side addresses, shared by the launcher, the services and the tests. */
export interface StackEndpoints {
  postgresUrl(database: string): string;
  redisUrl: string;
  kafkaBrokers: string[];
  registryUrl: string;
  connectUrl: string;
}

export function endpointsOf(config: StackConfig): StackEndpoints {
  const hosts = config.clientHosts;
  const pg = config.postgres;
  return {
    postgresUrl: (database) =>
      `postgresql://${encodeURIComponent(pg.user)}:${encodeURIComponent(pg.password)}@${hosts.postgres}:${pg.port}/${database}`,
    redisUrl: `redis://${hosts.redis}:${config.redis.port}`,
    kafkaBrokers: [`${hosts.kafka}:${config.kafka.port}`],
    registryUrl: `http://${hosts.registry}:${config.registry.port}/apis/ccompat/v7`,
    connectUrl: `http://${hosts.connect}:${config.connect.port}`,
  };
}
