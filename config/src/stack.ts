import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv } from './env';
import {
  CONNECT_USER_OF,
  KAFKA_PRINCIPAL_OF,
  KAFKA_SASL_MECHANISM,
  POSTGRES_ROLE_OF,
  stackSecurity,
  type ClientIdentity,
  type Credential,
  type KafkaSasl,
  type StackSecurity,
} from './security';

/**
 * Where every server of the stack listens and keeps its files, and so where every client finds
 * it: the services, the CLIs and the tests derive their default addresses from this (endpointsOf),
 * and the launcher (@outbox/stack) starts the servers from it.
 *
 * Two profiles share one download cache: `dev` (the default ports, for a person and for
 * `npm start`) and `test` (every port + 10000 and its own data folder), so `npm test`
 * never touches a running dev stack. Any value can be overridden by an environment
 * variable; the README lists them.
 */
export type StackProfile = 'dev' | 'test';

/**
 * `single`: one Kafka node, one Connect worker (the default, for a laptop and for tests).
 * `cluster`: three KRaft nodes (each broker and controller: three JVMs instead of six, and a
 * quorum that survives one lost node) and two Connect workers in one group, with its own home
 * and ports (see CLUSTER_PORTS), replication factor 3 and min.insync.replicas 2.
 */
export type StackTopology = 'single' | 'cluster';

export interface KafkaNode {
  /** node.id, 1-based. */
  id: number;
  /** Component and process name: `kafka` (single) or `kafka-<id>`. */
  name: string;
  port: number;
  controllerPort: number;
}

export interface ConnectWorker {
  id: number;
  /** Component and process name: `connect` (single) or `connect-<id>`. */
  name: string;
  port: number;
  /** The cluster's admin REST listener (loggers), on loopback only: the port after `port`. */
  adminPort?: number;
}

export interface StackConfig {
  profile: StackProfile;
  topology: StackTopology;
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
  kafka: {
    /** The first node's listener and controller port (the only node in `single`). */
    port: number;
    controllerPort: number;
    heapMb: number;
    nodes: KafkaNode[];
    /** Clients' broker list: KAFKA_BROKERS when set, else every node. */
    brokers: string[];
    /** For the pipeline's topics, the broker's internal topics and Connect's internal topics. */
    replicationFactor: number;
    minInsyncReplicas: number;
  };
  registry: { port: number; managementPort: number; heapMb: number; database: string };
  connect: {
    /** The first worker's REST port (the only worker in `single`). */
    port: number;
    heapMb: number;
    workers: ConnectWorker[];
    /** KIP-618 exactly-once source support on the workers and `exactly.once.support=required` on the connector. */
    exactlyOnce: boolean;
  };
  /**
   * The cluster topology's logins (docs/security.md): Kafka SASL/SCRAM with ACLs, Connect REST
   * basic auth, one PostgreSQL role per job. Undefined on the single topology, which stays open
   * on 127.0.0.1.
   */
  security?: StackSecurity;
  /** Niceness of the launched servers (`nice -n`); 0 runs them at normal priority. */
  nice: number;
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

/**
 * Default ports of the cluster topology (dev profile): one block, 31000-31399, below the kernel's
 * ephemeral range (32768+, where an outgoing connection may hold any port) and clear of the dev,
 * test (+10000) and +20000 stacks. Node n of a kind listens on the base + 100 * (n - 1).
 */
export const CLUSTER_PORTS = {
  PG_PORT: 31432,
  REDIS_PORT: 31379,
  KAFKA_PORT: 31092, // kafka-1; kafka-2 31192, kafka-3 31292
  KAFKA_CONTROLLER_PORT: 31093, // 31193, 31293
  REGISTRY_PORT: 31081,
  REGISTRY_MANAGEMENT_PORT: 31082,
  CONNECT_PORT: 31083, // connect-1; connect-2 31183; each admin listener on the next port
} as const;

/** The cluster's test profile shifts its ports down (21000-21399): up would enter the ephemeral range. */
export const CLUSTER_TEST_PORT_OFFSET = -10000;

export const CLUSTER_KAFKA_NODES = 3;
export const CLUSTER_CONNECT_WORKERS = 2;
/** Port distance between two nodes of the same kind in the cluster topology. */
export const CLUSTER_NODE_PORT_STEP = 100;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

const envSchema = z.object({
  STACK_PROFILE: z.enum(['dev', 'test']).default('dev'),
  STACK_TOPOLOGY: z.enum(['single', 'cluster']).default('single'),
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
  KAFKA_HEAP_MB: positiveInt.optional(),
  /** Clients' broker list, comma-separated host:port (an external cluster, or the compose network). */
  KAFKA_BROKERS: z.string().min(1).optional(),
  TOPIC_REPLICATION_FACTOR: positiveInt.optional(),
  TOPIC_MIN_INSYNC_REPLICAS: positiveInt.optional(),
  REGISTRY_PORT: port.optional(),
  REGISTRY_MANAGEMENT_PORT: port.optional(),
  REGISTRY_HEAP_MB: positiveInt.default(512),
  CONNECT_PORT: port.optional(),
  CONNECT_HEAP_MB: positiveInt.optional(),
  CONNECT_EXACTLY_ONCE: bool.optional(),
  /** The cluster's logins are derived from it (config/src/security.ts); change it to rotate them all. */
  STACK_SECRET: z.string().min(8).default('outbox-cluster-development-secret'),
  STACK_NICE: z.coerce.number().int().min(0).max(19).optional(),
  STACK_START_TIMEOUT_MS: positiveInt.default(180_000),
  STACK_STOP_TIMEOUT_MS: positiveInt.default(30_000),
});

export const repoRoot = resolve(__dirname, '..', '..');

export function loadStackConfig(
  env: NodeJS.ProcessEnv = process.env,
  profileOverride?: StackProfile,
  topologyOverride?: StackTopology,
): StackConfig {
  const e = parseEnv(envSchema, env, 'stack');
  const profile = profileOverride ?? e.STACK_PROFILE;
  const topology = topologyOverride ?? e.STACK_TOPOLOGY;
  const cluster = topology === 'cluster';
  const offset = profile === 'test' ? (cluster ? CLUSTER_TEST_PORT_OFFSET : TEST_PORT_OFFSET) : 0;
  const defaults = cluster ? CLUSTER_PORTS : DEFAULT_PORTS;
  const portOf = (name: keyof typeof DEFAULT_PORTS): number => e[name] ?? defaults[name] + offset;
  const homeName = cluster ? (profile === 'test' ? 'test-cluster' : 'cluster') : profile;
  const home = resolve(e.STACK_HOME ?? join(repoRoot, '.stack', homeName));
  const kafkaHost = e.KAFKA_HOST ?? e.STACK_HOST;
  const kafkaPort = portOf('KAFKA_PORT');
  const controllerPort = portOf('KAFKA_CONTROLLER_PORT');
  const nodes: KafkaNode[] = Array.from({ length: cluster ? CLUSTER_KAFKA_NODES : 1 }, (_, i) => ({
    id: i + 1,
    name: cluster ? `kafka-${i + 1}` : 'kafka',
    port: kafkaPort + i * CLUSTER_NODE_PORT_STEP,
    controllerPort: controllerPort + i * CLUSTER_NODE_PORT_STEP,
  }));
  const connectPort = portOf('CONNECT_PORT');
  const workers: ConnectWorker[] = Array.from({ length: cluster ? CLUSTER_CONNECT_WORKERS : 1 }, (_, i) => ({
    id: i + 1,
    name: cluster ? `connect-${i + 1}` : 'connect',
    port: connectPort + i * CLUSTER_NODE_PORT_STEP,
    ...(cluster ? { adminPort: connectPort + i * CLUSTER_NODE_PORT_STEP + 1 } : {}),
  }));
  const replicationFactor = e.TOPIC_REPLICATION_FACTOR ?? (cluster ? 3 : 1);
  const minInsyncReplicas = e.TOPIC_MIN_INSYNC_REPLICAS ?? (cluster ? 2 : 1);
  if (minInsyncReplicas > replicationFactor)
    throw new Error(
      `invalid stack configuration: TOPIC_MIN_INSYNC_REPLICAS (${minInsyncReplicas}) exceeds TOPIC_REPLICATION_FACTOR (${replicationFactor}); no write with acks=all could succeed`,
    );

  const config: StackConfig = {
    profile,
    topology,
    host: e.STACK_HOST,
    repoRoot,
    home,
    clientHosts: {
      postgres: e.PG_HOST ?? e.STACK_HOST,
      redis: e.REDIS_HOST ?? e.STACK_HOST,
      kafka: kafkaHost,
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
      port: kafkaPort,
      controllerPort,
      // The cluster runs three brokers and two workers on one machine: smaller heaps.
      heapMb: e.KAFKA_HEAP_MB ?? (cluster ? 384 : 768),
      nodes,
      brokers: e.KAFKA_BROKERS
        ? e.KAFKA_BROKERS.split(',').map((b) => b.trim())
        : nodes.map((n) => `${kafkaHost}:${n.port}`),
      replicationFactor,
      minInsyncReplicas,
    },
    registry: {
      port: portOf('REGISTRY_PORT'),
      managementPort: portOf('REGISTRY_MANAGEMENT_PORT'),
      heapMb: e.REGISTRY_HEAP_MB,
      database: 'registry',
    },
    connect: {
      port: connectPort,
      heapMb: e.CONNECT_HEAP_MB ?? (cluster ? 512 : 768),
      workers,
      exactlyOnce: e.CONNECT_EXACTLY_ONCE ?? cluster,
    },
    ...(cluster ? { security: stackSecurity(e.STACK_SECRET) } : {}),
    nice: e.STACK_NICE ?? (cluster ? 10 : 0),
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
    registry: config.registry.port,
    'registry management': config.registry.managementPort,
  };
  for (const node of config.kafka.nodes) {
    ports[node.name] = node.port;
    ports[`${node.name} controller`] = node.controllerPort;
  }
  for (const worker of config.connect.workers) {
    ports[worker.name] = worker.port;
    if (worker.adminPort !== undefined) ports[`${worker.name} admin`] = worker.adminPort;
  }
  const seen = new Map<number, string>();
  for (const [name, p] of Object.entries(ports)) {
    const other = seen.get(p);
    if (other) throw new Error(`invalid stack configuration: ${name} and ${other} both use port ${p}`);
    seen.set(p, name);
  }
}

/** Client-side addresses and logins, shared by the launcher, the services and the tests. */
export interface StackEndpoints {
  /** A database URL with the identity's PostgreSQL login. */
  postgresUrl(database: string): string;
  redisUrl: string;
  kafkaBrokers: string[];
  /** The identity's Kafka login on the cluster; undefined on the open single topology. */
  kafkaSasl?: KafkaSasl;
  registryUrl: string;
  /** The first worker's REST API (any worker serves the whole group's API). */
  connectUrl: string;
  /** Every worker's REST API. */
  connectUrls: string[];
  /** The identity's Connect REST login on the cluster. */
  connectLogin?: Credential;
}

/** Where each server is, and how `identity` logs in to it (docs/security.md). */
export function endpointsOf(config: StackConfig, identity: ClientIdentity): StackEndpoints {
  const hosts = config.clientHosts;
  const pg = config.postgres;
  const security = config.security;
  const pgRole = POSTGRES_ROLE_OF[identity];
  const pgLogin =
    security && pgRole !== 'superuser' ? security.postgres[pgRole] : { username: pg.user, password: pg.password };
  const kafkaPrincipal = KAFKA_PRINCIPAL_OF[identity];
  const connectUser = CONNECT_USER_OF[identity];
  return {
    postgresUrl: (database) =>
      `postgresql://${encodeURIComponent(pgLogin.username)}:${encodeURIComponent(pgLogin.password)}@${hosts.postgres}:${pg.port}/${database}`,
    redisUrl: `redis://${hosts.redis}:${config.redis.port}`,
    kafkaBrokers: config.kafka.brokers,
    ...(security && kafkaPrincipal
      ? { kafkaSasl: { mechanism: KAFKA_SASL_MECHANISM, ...security.kafka[kafkaPrincipal] } }
      : {}),
    registryUrl: `http://${hosts.registry}:${config.registry.port}/apis/ccompat/v7`,
    connectUrl: `http://${hosts.connect}:${config.connect.port}`,
    connectUrls: config.connect.workers.map((w) => `http://${hosts.connect}:${w.port}`),
    ...(security && connectUser ? { connectLogin: security.connectRest[connectUser] } : {}),
  };
}
