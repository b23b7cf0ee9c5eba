import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Component } from '../src/components/component';
import { CONNECT_GROUP_ID, connectSecurityLines, connectWorkerConfig } from '../src/components/connect';
import { kafkaNodeConfig } from '../src/components/kafka';
import { CLUSTER_PORTS, endpointsOf, loadStackConfig, type StackConfig } from '@outbox/config';
import { isPortOpen, managedProcess, runningPid, startDetached } from '../src/processes';
import { down, stackComponents, up } from '../src/stack';
import { renderTemplate } from '@outbox/config';
import { templateDir } from '../src/templates';
import { loadVersions } from '../src/versions';

/**
 * The cluster topology (docs/cluster.md): what it configures, checked without starting
 * it (the recovery measurements run on a real cluster: npm run cluster:proof, see README).
 */
const render = (template: string, values: Record<string, string | number>): Map<string, string> => {
  const text = renderTemplate(readFileSync(join(templateDir, template), 'utf8'), values);
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([a-z][\w.]*)=(.*)$/.exec(line.trim());
    if (match) props.set(match[1] as string, match[2] as string);
  }
  return props;
};

describe('the cluster topology', () => {
  const cluster = loadStackConfig({ STACK_TOPOLOGY: 'cluster' });

  it('has three Kafka nodes and two Connect workers on its own ports and home', () => {
    expect(cluster.kafka.nodes).toEqual([
      { id: 1, name: 'kafka-1', port: 31092, controllerPort: 31093 },
      { id: 2, name: 'kafka-2', port: 31192, controllerPort: 31193 },
      { id: 3, name: 'kafka-3', port: 31292, controllerPort: 31293 },
    ]);
    expect(cluster.connect.workers.map((w) => [w.name, w.port])).toEqual([
      ['connect-1', 31083],
      ['connect-2', 31183],
    ]);
    expect(cluster.postgres.port).toBe(CLUSTER_PORTS.PG_PORT);
    expect(cluster.home).toMatch(/\.stack\/cluster$/);
    expect(stackComponents({ config: cluster, versions: loadVersions() }).map((c) => c.name)).toEqual([
      'postgres',
      'redis',
      'kafka-1',
      'kafka-2',
      'kafka-3',
      'registry',
      'connect-1',
      'connect-2',
    ]);
  });

  it('gives clients every broker, replication 3 with min ISR 2, exactly-once, small heaps, low priority', () => {
    expect(endpointsOf(cluster, 'tester').kafkaBrokers).toEqual([
      '127.0.0.1:31092',
      '127.0.0.1:31192',
      '127.0.0.1:31292',
    ]);
    expect(endpointsOf(cluster, 'tester').connectUrls).toEqual(['http://127.0.0.1:31083', 'http://127.0.0.1:31183']);
    expect([cluster.kafka.replicationFactor, cluster.kafka.minInsyncReplicas]).toEqual([3, 2]);
    expect(cluster.connect.exactlyOnce).toBe(true);
    expect([cluster.kafka.heapMb, cluster.connect.heapMb, cluster.nice]).toEqual([384, 512, 10]);
  });

  it('leaves the single topology as it was: one node, replication 1, no exactly-once, normal priority', () => {
    const single = loadStackConfig({});
    expect(single.kafka.nodes).toEqual([{ id: 1, name: 'kafka', port: 9092, controllerPort: 9093 }]);
    expect(single.connect.workers.map((w) => w.name)).toEqual(['connect']);
    expect([single.kafka.replicationFactor, single.kafka.minInsyncReplicas]).toEqual([1, 1]);
    expect([single.connect.exactlyOnce, single.nice, single.kafka.heapMb]).toEqual([false, 0, 768]);
    expect(single.home).toMatch(/\.stack\/dev$/);
  });

  it('takes the broker list, replication, min ISR and exactly-once from the environment', () => {
    const external = loadStackConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9092,k3:9092',
      TOPIC_REPLICATION_FACTOR: '3',
      TOPIC_MIN_INSYNC_REPLICAS: '2',
      CONNECT_EXACTLY_ONCE: 'true',
    });
    expect(endpointsOf(external, 'tester').kafkaBrokers).toEqual(['k1:9092', 'k2:9092', 'k3:9092']);
    expect([external.kafka.replicationFactor, external.kafka.minInsyncReplicas]).toEqual([3, 2]);
    expect(external.connect.exactlyOnce).toBe(true);
    expect(loadStackConfig({ STACK_TOPOLOGY: 'cluster', CONNECT_EXACTLY_ONCE: 'false' }).connect.exactlyOnce).toBe(
      false,
    );
  });

  it('refuses a min ISR above the replication factor, and a port shared by two nodes', () => {
    expect(() => loadStackConfig({ TOPIC_REPLICATION_FACTOR: '2', TOPIC_MIN_INSYNC_REPLICAS: '3' })).toThrow(
      /TOPIC_MIN_INSYNC_REPLICAS \(3\) exceeds TOPIC_REPLICATION_FACTOR \(2\)/,
    );
    expect(() => loadStackConfig({ STACK_TOPOLOGY: 'cluster', KAFKA_CONTROLLER_PORT: '31192' })).toThrow(
      /both use port 31192/,
    );
  });

  it('renders each node with the static three-voter quorum and replicated internal topics', () => {
    const node = cluster.kafka.nodes[1] as StackConfig['kafka']['nodes'][number];
    const [template, values] = kafkaNodeConfig(cluster, node, '/data/kafka-2');
    const props = render(template, values);
    expect(props.get('node.id')).toBe('2');
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:31093,2@127.0.0.1:31193,3@127.0.0.1:31293');
    expect(props.get('listeners')).toBe('CLIENT://127.0.0.1:31192,CONTROLLER://127.0.0.1:31193');
    // Every listener authenticates and what no ACL allows is refused (docs/security.md).
    expect(props.get('listener.security.protocol.map')).toBe('CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    expect(props.get('sasl.mechanism.inter.broker.protocol')).toBe('SCRAM-SHA-512');
    expect(props.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(props.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(props.get('super.users')).toBe('User:broker;User:controller;User:admin');
    for (const key of [
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'default.replication.factor',
    ])
      expect([key, props.get(key)]).toEqual([key, '3']);
    expect(props.get('min.insync.replicas')).toBe('2');
    expect(props.get('transaction.state.log.min.isr')).toBe('2');
    expect(props.get('unclean.leader.election.enable')).toBe('false');
    expect(Number(props.get('broker.session.timeout.ms'))).toBeLessThan(9000);
  });

  it("gives each worker the connect principal's login for every client and a REST API that asks for a login", () => {
    const worker = cluster.connect.workers[1] as StackConfig['connect']['workers'][number];
    const lines = connectSecurityLines(worker, '127.0.0.1', cluster.security!.kafka.connect);
    for (const prefix of ['', 'producer.', 'consumer.', 'admin.']) {
      expect(lines).toContain(`\n${prefix}security.protocol=SASL_PLAINTEXT\n`);
      expect(lines).toContain(
        `\n${prefix}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="connect"`,
      );
    }
    expect(lines).toContain(
      'rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
    );
    expect(lines).toContain('admin.listeners=http://127.0.0.1:31184\n');
  });

  it('renders each worker in one group with replicated internal topics, exactly-once and fast failover', () => {
    const worker = cluster.connect.workers[1] as StackConfig['connect']['workers'][number];
    const props = render('connect-distributed.properties.template', connectWorkerConfig(cluster, worker, '/plugins'));
    expect(props.get('group.id')).toBe(CONNECT_GROUP_ID);
    expect(props.get('bootstrap.servers')).toBe('127.0.0.1:31092,127.0.0.1:31192,127.0.0.1:31292');
    expect(props.get('listeners')).toBe('http://127.0.0.1:31183');
    for (const topic of ['config', 'offset', 'status']) {
      expect(props.get(`${topic}.storage.replication.factor`)).toBe('3');
      expect(props.get(`${topic}.storage.min.insync.replicas`)).toBe('2');
    }
    expect(props.get('exactly.once.source.support')).toBe('enabled');
    expect(props.get('producer.acks')).toBe('all');
    expect(props.get('scheduled.rebalance.max.delay.ms')).toBe('0');

    const single = loadStackConfig({});
    const singleProps = render(
      'connect-distributed.properties.template',
      connectWorkerConfig(single, single.connect.workers[0] as typeof worker, '/plugins'),
    );
    expect(singleProps.get('config.storage.replication.factor')).toBe('1');
    expect(singleProps.get('exactly.once.source.support')).toBe('disabled');
  });
});

describe('start groups', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-group-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = 25000 + Math.floor(Math.random() * 1000);

  /** A node healthy only while every member of its quorum listens, like a KRaft node. */
  function quorumNode(name: string, port: number, peers: number[]): Component {
    const proc = managedProcess(join(dir, 'run'), join(dir, 'logs'), name);
    return {
      name,
      address: `127.0.0.1:${port}`,
      ports: [port],
      process: proc,
      dependsOn: [],
      startGroup: 'quorum',
      dataDirs: [],
      prepare: async () => undefined,
      launch: async () =>
        startDetached(proc, {
          command: process.execPath,
          args: ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`],
        }),
      healthy: async () => (await Promise.all(peers.map((p) => isPortOpen('127.0.0.1', p)))).every(Boolean),
      version: async () => 'test',
    };
  }

  it('launches the members of a group together and awaits them together, and stops them together', async () => {
    const ports = [base, base + 1, base + 2];
    const nodes = ports.map((p, i) => quorumNode(`node-${i + 1}`, p, ports));
    const reports = await up(nodes, 15_000);
    expect(reports.map((r) => [r.name, r.action])).toEqual([
      ['node-1', 'started'],
      ['node-2', 'started'],
      ['node-3', 'started'],
    ]);
    // One node lost: only it is started again, the others are left alone.
    process.kill(runningPid(nodes[1]?.process as Component['process']) as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const again = await up(nodes, 15_000);
    expect(again.map((r) => [r.name, r.action])).toEqual([
      ['node-1', 'already-running'],
      ['node-2', 'started'],
      ['node-3', 'already-running'],
    ]);
    const lines: string[] = [];
    await down(nodes, 5_000, false, (line) => lines.push(line));
    expect(lines.sort()).toEqual(['✓ node-1 stopped', '✓ node-2 stopped', '✓ node-3 stopped']);
  });
});
