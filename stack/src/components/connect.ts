import { join } from 'node:path';
import { findJava } from '../java';
import { fetchFromMaven } from '../maven';
import { managedProcess, startDetached } from '../processes';
import { writeConfig } from '../templates';
import type { Component, ComponentContext } from './component';
import { fetchKafkaLibs, kafkaJvmArgs } from './jvm';

export const DEBEZIUM_POSTGRES_CONNECTOR = 'io.debezium.connector.postgresql.PostgresConnector';

/**
 * Kafka Connect in distributed mode (one worker) with the Debezium Postgres connector
 * plugin under plugin.path (never on the worker classpath).
 */
export function connectComponent({ config, versions }: ComponentContext): Component {
  const { host } = config;
  const { port, heapMb } = config.connect;
  const configFile = join(config.confDir, 'connect-distributed.properties');
  const proc = managedProcess(config.runDir, config.logDir, 'connect');
  const pluginDir = join(config.cacheDir, `debezium-${versions.debezium}`);
  const base = `http://${host}:${port}`;
  let libsDir = '';

  return {
    name: 'connect',
    address: `${host}:${port}`,
    ports: [port],
    process: proc,
    dependsOn: ['kafka'],
    dataDirs: [], // its state lives in Kafka topics

    async prepare() {
      findJava('connect', 17, 'KAFKA_JAVA_HOME');
      libsDir = await fetchKafkaLibs(config, versions, 'connect');
      await fetchFromMaven(config, {
        component: 'connect',
        profile: 'debezium',
        properties: { 'debezium.version': versions.debezium },
        targetDir: pluginDir,
        targetProperty: 'stack.plugins',
      });
      writeConfig('connect-distributed.properties.template', configFile, {
        BOOTSTRAP: `${host}:${config.kafka.port}`,
        CONNECT_HOST: host,
        CONNECT_PORT: port,
        PLUGIN_PATH: pluginDir,
      });
    },

    async launch() {
      const java = findJava('connect', 17, 'KAFKA_JAVA_HOME');
      const args = [
        ...kafkaJvmArgs(config, libsDir, 'connect', heapMb),
        'org.apache.kafka.connect.cli.ConnectDistributed',
        configFile,
      ];
      // Connector configs reference ${env:PG_PASSWORD}; the worker resolves it from its environment.
      const env = { ...process.env, PG_PASSWORD: config.postgres.password };
      return startDetached(proc, { command: java.bin, args, env });
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
      return `${kafkaVersion ?? versions.kafka} + Debezium ${versions.debezium}`;
    },
  };
}
