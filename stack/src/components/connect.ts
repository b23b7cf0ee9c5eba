import { join } from 'node:path';
import type { ConnectWorker, Credential, StackConfig } from '@outbox/config';
import { basicAuthHeader as basicAuth } from '@outbox/connect';
import { findJava } from '../java';
import { fetchFromMaven } from '../maven';
import { managedProcess, niced, startDetached } from '../processes';
import { writeConfig, writePrivate } from '../templates';
import type { Component, ComponentContext } from './component';
import { fetchKafkaLibs, kafkaJvmArgs } from './jvm';

export const DEBEZIUM_POSTGRES_CONNECTOR = 'io.debezium.connector.postgresql.PostgresConnector';

/** The workers' group.id, as connect-distributed.properties.template sets it. */
export const CONNECT_GROUP_ID = 'outbox-connect';
/** Every internal topic of the workers (configs, offsets, status) starts with this. */
export const CONNECT_INTERNAL_TOPIC_PREFIX = `${CONNECT_GROUP_ID}-`;

const BASIC_AUTH_EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';

/** A SASL/SCRAM login for the worker's clients: its own, its connectors' producers, its admin and consumers. */
function saslLines(prefix: string, login: Credential): string[] {
  return [
    `${prefix}security.protocol=SASL_PLAINTEXT`,
    `${prefix}sasl.mechanism=SCRAM-SHA-512`,
    `${prefix}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${login.username}" password="${login.password}";`,
  ];
}

/**
 * The cluster worker's logins (docs/security.md), appended to its configuration: SASL/SCRAM as
 * the `connect` principal for every Kafka client it makes, and a REST API that asks for a
 * basic-auth login (Kafka's extension, users in a file) with its admin endpoints on loopback only.
 */
export function connectSecurityLines(worker: ConnectWorker, host: string, login: Credential): string {
  const lines = [
    '',
    "# The cluster's logins (written by the launcher; docs/security.md).",
    ...['', 'producer.', 'consumer.', 'admin.'].flatMap((prefix) => saslLines(prefix, login)),
    `rest.extension.classes=${BASIC_AUTH_EXTENSION}`,
    `admin.listeners=http://${host}:${worker.adminPort ?? worker.port + 1}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The JAAS file that points Kafka's basic-auth extension at the users file. */
function restJaas(usersFile: string): string {
  return `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${usersFile}";\n};\n`;
}

/** The values of a worker's connect-distributed.properties template. */
export function connectWorkerConfig(
  config: StackConfig,
  worker: ConnectWorker,
  pluginDir: string,
): Record<string, string | number> {
  return {
    BOOTSTRAP: config.kafka.brokers.join(','),
    CONNECT_HOST: config.host,
    CONNECT_PORT: worker.port,
    PLUGIN_PATH: pluginDir,
    REPLICATION_FACTOR: config.kafka.replicationFactor,
    MIN_INSYNC_REPLICAS: config.kafka.minInsyncReplicas,
    EXACTLY_ONCE_SOURCE_SUPPORT: config.connect.exactlyOnce ? 'enabled' : 'disabled',
    // Cluster: a dead worker is noticed in 3 s (the brokers allow sessions down to 2 s);
    // single: Kafka's defaults (one worker has no one to fail over to).
    SESSION_TIMEOUT_MS: config.topology === 'cluster' ? 3000 : 10000,
    HEARTBEAT_INTERVAL_MS: config.topology === 'cluster' ? 1000 : 3000,
    // Cluster: a revoked task stuck on a producer call (its broker or transaction coordinator
    // was killed) is abandoned after 1 s instead of holding up the rebalance for 5 s (Kafka's
    // default, kept on a single node).
    TASK_SHUTDOWN_GRACEFUL_MS: config.topology === 'cluster' ? 1000 : 5000,
  };
}

/**
 * A Kafka Connect worker in distributed mode with the Debezium Postgres connector plugin under
 * plugin.path (never on the worker classpath). `single`: one worker; `cluster`: one component
 * per worker (connect-1, connect-2), all in one group sharing the internal topics.
 */
export function connectComponent({ config, versions }: ComponentContext, worker?: ConnectWorker): Component {
  const { host } = config;
  const self = worker ?? (config.connect.workers[0] as ConnectWorker);
  const { port } = self;
  const { heapMb, exactlyOnce } = config.connect;
  const configFile = join(config.confDir, `${self.name}-distributed.properties`);
  const proc = managedProcess(config.runDir, config.logDir, self.name);
  const pluginDir = join(config.cacheDir, `debezium-${versions.debezium}`);
  const base = `http://${host}:${port}`;
  const security = config.security;
  const jaasFile = join(config.confDir, `${self.name}-rest.jaas`);
  const usersFile = join(config.confDir, `${self.name}-rest.users`);
  // The launcher checks health as Connect's admin login when the REST API asks for one.
  const auth = basicAuth(security?.connectRest.admin);
  let libsDir = '';

  return {
    name: self.name,
    address: `${host}:${port}`,
    ports: [port],
    process: proc,
    dependsOn: config.kafka.nodes.map((n) => n.name),
    dataDirs: [], // its state lives in Kafka topics

    async prepare() {
      findJava(self.name, 17, 'KAFKA_JAVA_HOME');
      libsDir = await fetchKafkaLibs(config, versions, self.name);
      await fetchFromMaven(config, {
        component: self.name,
        profile: 'debezium',
        properties: { 'debezium.version': versions.debezium },
        targetDir: pluginDir,
        targetProperty: 'stack.plugins',
      });
      writeConfig(
        'connect-distributed.properties.template',
        configFile,
        connectWorkerConfig(config, self, pluginDir),
        security ? connectSecurityLines(self, host, security.kafka.connect) : '',
      );
      if (security) {
        const users = Object.values(security.connectRest).map((u) => `${u.username}: ${u.password}`);
        writePrivate(usersFile, `${users.join('\n')}\n`);
        writePrivate(jaasFile, restJaas(usersFile));
      }
    },

    async launch() {
      const java = findJava(self.name, 17, 'KAFKA_JAVA_HOME');
      const args = [
        ...kafkaJvmArgs(config, libsDir, self.name, heapMb),
        ...(security ? [`-Djava.security.auth.login.config=${jaasFile}`] : []),
        'org.apache.kafka.connect.cli.ConnectDistributed',
        configFile,
      ];
      // Connector configs reference ${env:PG_PASSWORD}; the worker resolves it from its environment
      // (on the cluster, the password of Debezium's own role).
      const env = { ...process.env, PG_PASSWORD: security?.postgres.debezium.password ?? config.postgres.password };
      return startDetached(proc, { ...niced(config.nice, java.bin, args), env });
    },

    async healthy() {
      // Ready means the REST API answers and the Debezium plugin was loaded.
      const response = await fetch(`${base}/connector-plugins`, { headers: auth, signal: AbortSignal.timeout(2000) });
      if (!response.ok) return false;
      const plugins = (await response.json()) as { class: string }[];
      return plugins.some((p) => p.class === DEBEZIUM_POSTGRES_CONNECTOR);
    },

    async version() {
      const response = await fetch(`${base}/`, { headers: auth, signal: AbortSignal.timeout(2000) });
      const kafkaVersion = ((await response.json()) as { version?: string }).version;
      return `${kafkaVersion ?? versions.kafka} + Debezium ${versions.debezium}${exactlyOnce ? ' (exactly-once source)' : ''}`;
    },
  };
}
