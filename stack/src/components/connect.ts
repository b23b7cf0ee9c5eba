import { join } from 'node:path';
import type { ConnectWorker, StackConfig } from '@outbox/config';
import { findJava } from '../java';
import { fetchFromMaven } from '../maven';
import { managedProcess, niced, startDetached } from '../processes';
import { writeConfig } from '../templates';
import type { Component, ComponentContext } from './component';
import { fetchKafkaLibs, kafkaJvmArgs } from './jvm';

export const DEBEZIUM_POSTGRES_CONNECTOR = 'io.debezium.connector.postgresql.PostgresConnector';

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
      writeConfig('connect-distributed.properties.template', configFile, connectWorkerConfig(config, self, pluginDir));
    },

    async launch() {
      const java = findJava(self.name, 17, 'KAFKA_JAVA_HOME');
      const args = [
        ...kafkaJvmArgs(config, libsDir, self.name, heapMb),
        'org.apache.kafka.connect.cli.ConnectDistributed',
        configFile,
      ];
      // Connector configs reference ${env:PG_PASSWORD}; the worker resolves it from its environment.
      const env = { ...process.env, PG_PASSWORD: config.postgres.password };
      return startDetached(proc, { ...niced(config.nice, java.bin, args), env });
    },

    async healthy() {
      // Ready means the REST API answers and the Debezium plugin was loaded.
      const response = await fetch(`${base}/connector-plugins`, { signal: AbortSignal.timeout(2000) });
      if (!response.ok) return false;
      const plugins = (await response.json()) as { class: string }[];
      return plugins.some((p) => p.class === DEBEZIUM_POSTGRES_CONNECTOR);
    },

    async version() {
      const response = await fetch(`${base}/`, { signal: AbortSignal.timeout(2000) });
      const kafkaVersion = ((await response.json()) as { version?: string }).version;
      return `${kafkaVersion ?? versions.kafka} + Debezium ${versions.debezium}${exactlyOnce ? ' (exactly-once source)' : ''}`;
    },
  };
}
