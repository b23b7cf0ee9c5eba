import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CLUSTER_PORTS, loadStackConfig, repoRoot } from '@outbox/config';
import { loadVersions } from '../src/versions';
import { composeSchemaValidator } from './compose-schema';

/**
 * docker-compose.cluster.yml: the cluster topology for machines with Docker. Validated like
 * docker-compose.yml (the Compose Specification's schema; `docker compose config` where it is
 * installed) and held to the native cluster topology's ports, versions and replication.
 */
interface ComposeService {
  image?: string;
  ports?: string[];
  environment?: Record<string, string | number>;
  build?: { args?: Record<string, string | number> };
}

const composeFile = join(repoRoot, 'docker-compose.cluster.yml');
const document: unknown = parse(readFileSync(composeFile, 'utf8'), { merge: true });
const compose = document as { services: Record<string, ComposeService> };
const versions = loadVersions();
const cluster = loadStackConfig({ STACK_TOPOLOGY: 'cluster' });
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.cluster.yml has no service "${name}"`);
  return found;
};
const kafkaNodes = cluster.kafka.nodes.map((n) => n.name);
const workers = cluster.connect.workers.map((w) => w.name);

describe('docker-compose.cluster.yml', () => {
  it('conforms to the Compose Specification schema', () => {
    const validate = composeSchemaValidator();
    expect(validate(document)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  const hasCompose = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
  (hasCompose ? it : it.skip)('is accepted by Docker Compose (only where it is installed)', () => {
    const result = spawnSync('docker', ['compose', '-f', composeFile, 'config', '--quiet'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('has the native cluster topology: three Kafka nodes and two Connect workers on its host ports', () => {
    const published = (name: string): string[] | undefined => service(name).ports;
    expect(published('postgres')).toEqual([`${CLUSTER_PORTS.PG_PORT}:5432`]);
    expect(published('redis')).toEqual([`${CLUSTER_PORTS.REDIS_PORT}:6379`]);
    expect(published('registry')).toEqual([`${CLUSTER_PORTS.REGISTRY_PORT}:8081`]);
    for (const node of cluster.kafka.nodes) {
      expect(published(node.name)).toEqual([`${node.port}:${node.port}`]);
      expect(service(node.name).environment).toMatchObject({
        KAFKA_NODE_ID: node.id,
        KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${node.name}:19092,EXTERNAL://localhost:${node.port}`,
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093',
      });
    }
    for (const worker of cluster.connect.workers) expect(published(worker.name)).toEqual([`${worker.port}:8083`]);
  });

  it('replicates every topic 3 times with min ISR 2, and captures exactly once', () => {
    for (const node of kafkaNodes)
      expect(service(node).environment).toMatchObject({
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3,
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 3,
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 2,
        KAFKA_DEFAULT_REPLICATION_FACTOR: 3,
        KAFKA_MIN_INSYNC_REPLICAS: 2,
      });
    for (const worker of workers)
      expect(service(worker).build?.args).toMatchObject({
        CONNECT_BOOTSTRAP: kafkaNodes.map((n) => `${n}:19092`).join(','),
        CONNECT_ADVERTISED_HOST: worker,
        TOPIC_REPLICATION_FACTOR: 3,
        TOPIC_MIN_INSYNC_REPLICAS: 2,
        EXACTLY_ONCE_SOURCE_SUPPORT: 'enabled',
      });
    for (const name of ['setup', 'api', 'streamer'])
      expect(service(name).environment).toMatchObject({
        KAFKA_BROKERS: kafkaNodes.map((n) => `${n}:19092`).join(','),
        TOPIC_REPLICATION_FACTOR: 3,
        TOPIC_MIN_INSYNC_REPLICAS: 2,
        CONNECT_EXACTLY_ONCE: 'true',
      });
  });

  it('pins the same server versions as stack/versions.json', () => {
    expect(service('postgres').image).toBe(`postgres:${versions.postgres}`);
    expect(service('redis').image).toMatch(new RegExp(`^redis:${versions.redis}(\\.|$)`));
    for (const node of kafkaNodes) expect(service(node).image).toBe(`apache/kafka:${versions.kafka}`);
    expect(service('registry').image).toBe(`apicurio/apicurio-registry:${versions.apicurio}`);
    for (const worker of workers)
      expect(service(worker).build?.args).toMatchObject({
        KAFKA_VERSION: versions.kafka,
        DEBEZIUM_VERSION: versions.debezium,
      });
  });
});
