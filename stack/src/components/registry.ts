import { join } from 'node:path';
import { StackError } from '../errors';
import { findJava } from '../java';
import { fetchFromMaven } from '../maven';
import { managedProcess, niced, startDetached } from '../processes';
import type { Component, ComponentContext } from './component';

/**
 * Apicurio Registry 3 (a Quarkus app from Maven Central), used through its
 * Confluent-compatible API at /apis/ccompat/v7. Schemas are stored in PostgreSQL (its own
 * `registry` database): the default in-memory storage would forget schema ids that records
 * in Kafka still carry.
 */
export function registryComponent({ config, versions }: ComponentContext): Component {
  const { host } = config;
  const { port, managementPort, heapMb, database } = config.registry;
  const proc = managedProcess(config.runDir, config.logDir, 'registry');
  const appDir = join(config.cacheDir, `apicurio-registry-${versions.apicurio}`);
  const base = `http://${host}:${port}`;

  return {
    name: 'registry',
    address: `${host}:${port}`,
    ports: [port, managementPort],
    process: proc,
    dependsOn: ['postgres'],
    dataDirs: [], // its data lives in the postgres `registry` database

    async prepare() {
      await fetchFromMaven(config, {
        component: 'registry',
        profile: 'registry',
        properties: { 'apicurio.version': versions.apicurio },
        targetDir: appDir,
        targetProperty: 'stack.registry',
      });
    },

    async launch() {
      const java = findJava('registry', 21, 'REGISTRY_JAVA_HOME');
      const props = {
        'quarkus.http.host': host,
        'quarkus.http.port': port,
        'quarkus.management.host': host,
        'quarkus.management.port': managementPort, // cannot be disabled; default 9000 would clash
        'apicurio.storage.kind': 'sql',
        'apicurio.storage.sql.kind': 'postgresql',
        'apicurio.datasource.url': `jdbc:postgresql://${host}:${config.postgres.port}/${database}`,
        // The cluster's registry logs in as the role that owns its database (docs/security.md).
        'apicurio.datasource.username': config.security?.postgres.registry.username ?? config.postgres.user,
        'apicurio.datasource.password': config.security?.postgres.registry.password ?? config.postgres.password,
        'apicurio.datasource.jdbc.initial-size': 2,
        'apicurio.datasource.jdbc.min-size': 2,
        'apicurio.datasource.jdbc.max-size': 10,
      };
      const args = [
        `-Xms128m`,
        `-Xmx${heapMb}m`,
        '-XX:+UseSerialGC',
        ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`),
        '-jar',
        join(appDir, 'quarkus-run.jar'),
      ];
      return startDetached(proc, { ...niced(config.nice, java.bin, args), cwd: appDir });
    },

    async healthy() {
      const ready = await fetch(`http://${host}:${managementPort}/health/ready`, { signal: AbortSignal.timeout(2000) });
      return ready.ok;
    },

    async afterHealthy() {
      // The npm client registers with BACKWARD and checks the subject's level; Apicurio answers a
      // subject without its own level with the global one, so the global level must be BACKWARD.
      const response = await fetch(`${base}/apis/ccompat/v7/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility: 'BACKWARD' }),
      });
      if (!response.ok) {
        throw new StackError(
          'registry',
          `setting the global compatibility to BACKWARD failed: HTTP ${response.status} ${await response.text()}`,
          proc.logFile,
        );
      }
    },

    async version() {
      const response = await fetch(`${base}/apis/registry/v3/system/info`, { signal: AbortSignal.timeout(2000) });
      return ((await response.json()) as { version?: string }).version;
    },
  };
}
