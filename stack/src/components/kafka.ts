import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { StackError } from '../errors';
import { findJava } from '../java';
import { managedProcess, startDetached } from '../processes';
import { writeConfig } from '../templates';
import type { Component, ComponentContext } from './component';
import { fetchKafkaLibs, kafkaJvmArgs } from './jvm';

/** Apache Kafka 4.x, one node in KRaft mode (broker and controller in one process). */
export function kafkaComponent({ config, versions }: ComponentContext): Component {
  const { host } = config;
  const { port, controllerPort, heapMb } = config.kafka;
  const dataDir = join(config.dataDir, 'kafka');
  const configFile = join(config.confDir, 'kafka.properties');
  const proc = managedProcess(config.runDir, config.logDir, 'kafka');
  let libsDir = '';

  const kafka = new Kafka({
    clientId: 'stack-health',
    brokers: [`${host}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 0 },
  });

  return {
    name: 'kafka',
    address: `${host}:${port}`,
    ports: [port, controllerPort],
    process: proc,
    dependsOn: [],
    dataDirs: [dataDir],

    async prepare() {
      const java = findJava('kafka', 17, 'KAFKA_JAVA_HOME');
      libsDir = await fetchKafkaLibs(config, versions, 'kafka');
      writeConfig('kafka-broker.properties.template', configFile, {
        KAFKA_HOST: host,
        KAFKA_PORT: port,
        CONTROLLER_PORT: controllerPort,
        DATA_DIR: dataDir,
      });
      if (existsSync(join(dataDir, 'meta.properties'))) return;
      // A new log directory is formatted once with a fresh cluster id (KRaft, dynamic quorum).
      const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
      const format = spawnSync(
        java.bin,
        [
          ...kafkaJvmArgs(config, libsDir, 'kafka-format', 256),
          'kafka.tools.StorageTool',
          'format',
          '--standalone',
          '--cluster-id',
          clusterId,
          '--config',
          configFile,
          '--ignore-formatted',
        ],
        { encoding: 'utf8' },
      );
      if (format.status !== 0) {
        throw new StackError(
          'kafka',
          `formatting the KRaft log directory failed: ${(format.stderr || format.stdout).trim().split('\n').slice(-5).join(' | ')}`,
        );
      }
    },

    async launch() {
      const java = findJava('kafka', 17, 'KAFKA_JAVA_HOME');
      return startDetached(proc, {
        command: java.bin,
        args: [...kafkaJvmArgs(config, libsDir, 'kafka', heapMb), 'kafka.Kafka', configFile],
      });
    },

    async healthy() {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0 && cluster.controller !== null;
      } finally {
        await admin.disconnect();
      }
    },

    async version() {
      return versions.kafka;
    },
  };
}
