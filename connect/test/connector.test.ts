import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackConfig, repoRoot } from '@outbox/config';
import { EXACTLY_ONCE_CONFIG, loadConnector, pipelineTopics, replicationOf } from '../src';

/** What `connect apply` asks for on each topology (docs/cluster.md); no server needed. */
describe('the outbox connector and its topics', () => {
  it('asks for exactly-once capture when the stack has it (cluster default), not otherwise', () => {
    const cluster = loadConnector(loadStackConfig({ STACK_TOPOLOGY: 'cluster' }));
    expect(cluster.config).toMatchObject({ 'exactly.once.support': 'required', 'transaction.boundary': 'poll' });
    const single = loadConnector(loadStackConfig({}));
    for (const key of Object.keys(EXACTLY_ONCE_CONFIG)) expect(single.config[key]).toBeUndefined();
    const off = loadConnector(loadStackConfig({ STACK_TOPOLOGY: 'cluster', CONNECT_EXACTLY_ONCE: 'false' }));
    expect(off.config['exactly.once.support']).toBeUndefined();
  });

  it('creates event, DLQ and heartbeat topics with the configured replication and min ISR', () => {
    const stack = loadStackConfig({ STACK_TOPOLOGY: 'cluster' });
    const topics = pipelineTopics(loadConnector(stack), replicationOf(stack));
    expect(topics.map((t) => t.topic)).toEqual([
      'catalog-events',
      'catalog-events.dlq',
      'order-events',
      'order-events.dlq',
      '__debezium-heartbeat.commerce',
    ]);
    for (const t of topics) {
      expect({ topic: t.topic, rf: t.replicationFactor }).toEqual({ topic: t.topic, rf: 3 });
      expect(t.configEntries).toContainEqual({ name: 'min.insync.replicas', value: '2' });
    }
    // Each DLQ topic names its source, so that ensureTopics sizes it for copies of the source's records.
    expect(topics.map((t) => t.deadLettersOf)).toEqual([
      undefined,
      'catalog-events',
      undefined,
      'order-events',
      undefined,
    ]);
    const custom = loadStackConfig({ TOPIC_REPLICATION_FACTOR: '5', TOPIC_MIN_INSYNC_REPLICAS: '3' });
    const [first] = pipelineTopics(loadConnector(custom), replicationOf(custom));
    expect(first?.replicationFactor).toBe(5);
    expect(first?.configEntries).toContainEqual({ name: 'min.insync.replicas', value: '3' });
  });

  it('fills every placeholder of the worker template in the compose image too (connect/Dockerfile)', () => {
    const template = readFileSync(join(repoRoot, 'stack', 'config', 'connect-distributed.properties.template'), 'utf8');
    const dockerfile = readFileSync(join(repoRoot, 'connect', 'Dockerfile'), 'utf8');
    const placeholders = [...new Set([...template.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]))];
    expect(placeholders.length).toBeGreaterThan(0);
    for (const name of placeholders)
      expect({ name, replaced: dockerfile.includes(`\${${name}}`) }).toEqual({ name, replaced: true });
  });
});
