import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_SASL_MECHANISM, type KafkaNode, type StackConfig, type StackSecurity } from '@outbox/config';
import { connectWorkerAcls, ensureAcls } from '@outbox/connect';
import { StackError } from '../errors';
import { findJava } from '../java';
import { managedProcess, niced, startDetached } from '../processes';
import { writeConfig } from '../templates';
import type { Component, ComponentContext } from './component';
import { CONNECT_GROUP_ID, CONNECT_INTERNAL_TOPIC_PREFIX } from './connect';
import { fetchKafkaLibs, kafkaJvmArgs } from './jvm';

/** Components that must be launched together: a cluster node cannot become healthy without a quorum. */
export const KAFKA_START_GROUP = 'kafka';

/**
 * A new KRaft cluster id: 16 random bytes, base64url (22 characters). Like Kafka's own
 * `random-uuid`, an id that starts with "-" is drawn again: tools read it as an option.
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Every node of one cluster is formatted with the same id, kept next to their data. */
function clusterIdOf(config: StackConfig): string {
  const file = join(config.dataDir, 'kafka-cluster.id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (!/^[A-Za-z0-9_-]{22}$/.test(id))
      throw new StackError(
        'kafka',
        `${file} holds no cluster id ("${id}"): delete it with the nodes' data to start anew`,
      );
    return id;
  }
  const id = newClusterId();
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

/** The template of a node's server.properties and its values. */
export function kafkaNodeConfig(
  config: StackConfig,
  node: KafkaNode,
  dataDir: string,
): [string, Record<string, string | number>] {
  const { host } = config;
  const common = { KAFKA_HOST: host, KAFKA_PORT: node.port, CONTROLLER_PORT: node.controllerPort, DATA_DIR: dataDir };
  if (config.topology === 'single') return ['kafka-broker.properties.template', common];
  return [
    'kafka-cluster-broker.properties.template',
    {
      ...common,
      NODE_ID: node.id,
      QUORUM_VOTERS: config.kafka.nodes.map((n) => `${n.id}@${host}:${n.controllerPort}`).join(','),
      // The broker's own internal topics cannot have more replicas than the stack has nodes.
      REPLICATION_FACTOR: Math.min(config.kafka.replicationFactor, config.kafka.nodes.length),
      MIN_ISR: Math.min(config.kafka.minInsyncReplicas, config.kafka.nodes.length),
      ...securityValues(config),
    },
  ];
}

/** The cluster's logins in a node's configuration (docs/security.md). */
function securityValues(config: StackConfig): Record<string, string> {
  const security = requireSecurity(config);
  return {
    BROKER_USER: security.kafka.broker.username,
    BROKER_PASSWORD: security.kafka.broker.password,
    CONTROLLER_USER: security.controller.username,
    CONTROLLER_PASSWORD: security.controller.password,
    SUPER_USERS: [security.kafka.broker.username, security.controller.username, security.kafka.admin.username]
      .map((u) => `User:${u}`)
      .join(';'),
  };
}

function requireSecurity(config: StackConfig): StackSecurity {
  if (!config.security) throw new StackError('kafka', 'the cluster topology has no logins configured');
  return config.security;
}

/** StorageTool arguments that create every Kafka principal's SCRAM login with the log directory. */
function scramUsers(config: StackConfig): string[] {
  return Object.values(requireSecurity(config).kafka).flatMap(({ username, password }) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${username},password=${password}]`,
  ]);
}

export interface FormatRequest {
  node: string;
  clusterId: string;
  configFile: string;
  /** `--standalone` for a single node, the SCRAM logins for a cluster node. */
  options: string[];
}

/**
 * Formats a node's log directory (a no-op when it already is). The id is passed as
 * `--cluster-id=<id>`: a separate argument that begins with "-" would be read as an option.
 */
export function formatLogDirectory(javaBin: string, jvmArgs: string[], request: FormatRequest): void {
  const format = spawnSync(
    javaBin,
    [
      ...jvmArgs,
      'kafka.tools.StorageTool',
      'format',
      ...request.options,
      `--cluster-id=${request.clusterId}`,
      '--config',
      request.configFile,
      '--ignore-formatted',
    ],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) {
    throw new StackError(
      request.node,
      `formatting the KRaft log directory failed: ${(format.stderr || format.stdout).trim().split('\n').slice(-5).join(' | ')}`,
    );
  }
}

/**
 * Apache Kafka 4.x in KRaft mode. `single`: one node, broker and controller in one process.
 * `cluster`: one component per node (kafka-1..3), each broker and controller, a static
 * three-voter quorum.
 */
export function kafkaComponent({ config, versions }: ComponentContext, node?: KafkaNode): Component {
  const { host } = config;
  const { heapMb } = config.kafka;
  const self = node ?? (config.kafka.nodes[0] as KafkaNode);
  const cluster = config.topology === 'cluster';
  const { port, controllerPort } = self;
  const dataDir = join(config.dataDir, self.name);
  const configFile = join(config.confDir, `${self.name}.properties`);
  const proc = managedProcess(config.runDir, config.logDir, self.name);
  let libsDir = '';

  // On the cluster the launcher logs in as the admin (a super user), to check health and set ACLs.
  const adminLogin = config.security?.kafka.admin;
  const kafka = new Kafka({
    clientId: 'stack-health',
    brokers: [`${host}:${port}`],
    ...(adminLogin ? { sasl: { mechanism: KAFKA_SASL_MECHANISM, ...adminLogin } } : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 0 },
  });

  const renderConfig = (): void => {
    const [template, values] = kafkaNodeConfig(config, self, dataDir);
    writeConfig(template, configFile, values);
  };

  return {
    name: self.name,
    address: `${host}:${port}`,
    ports: [port, controllerPort],
    process: proc,
    dependsOn: [],
    ...(cluster ? { startGroup: KAFKA_START_GROUP } : {}),
    dataDirs: cluster ? [dataDir, join(config.dataDir, 'kafka-cluster.id')] : [dataDir],

    async prepare() {
      const java = findJava('kafka', 17, 'KAFKA_JAVA_HOME');
      libsDir = await fetchKafkaLibs(config, versions, 'kafka');
      renderConfig();
      if (existsSync(join(dataDir, 'meta.properties'))) return;
      // A new log directory is formatted once: single node with a fresh cluster id (dynamic
      // quorum, --standalone); a cluster node with the cluster's shared id (static quorum).
      formatLogDirectory(java.bin, kafkaJvmArgs(config, libsDir, 'kafka-format', 256), {
        node: self.name,
        clusterId: cluster ? clusterIdOf(config) : newClusterId(),
        configFile,
        options: cluster ? scramUsers(config) : ['--standalone'],
      });
    },

    async launch() {
      const java = findJava('kafka', 17, 'KAFKA_JAVA_HOME');
      return startDetached(
        proc,
        niced(config.nice, java.bin, [...kafkaJvmArgs(config, libsDir, self.name, heapMb), 'kafka.Kafka', configFile]),
      );
    },

    async healthy() {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const described = await admin.describeCluster();
        // Metadata lists unfenced brokers only: this node is registered and serving.
        return described.controller !== null && described.brokers.some((b) => b.nodeId === self.id);
      } finally {
        await admin.disconnect();
      }
    },

    ...(cluster
      ? {
          // The Connect workers' own ACLs must exist before a worker starts.
          async afterHealthy() {
            const client = kafka.admin();
            await client.connect();
            try {
              await ensureAcls(client, connectWorkerAcls(CONNECT_GROUP_ID, CONNECT_INTERNAL_TOPIC_PREFIX));
            } finally {
              await client.disconnect();
            }
          },
        }
      : {}),

    async version() {
      return versions.kafka;
    },
  };
}
