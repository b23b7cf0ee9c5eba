import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackConfig } from '@outbox/config';
import { formatLogDirectory, kafkaNodeConfig, newClusterId } from '../src/components/kafka';
import { fetchKafkaLibs, kafkaJvmArgs } from '../src/components/jvm';
import { findJava } from '../src/java';
import { writeConfig } from '../src/templates';
import { loadVersions } from '../src/versions';

/**
 * A KRaft cluster id is 22 base64url characters, and one in 64 starts with "-". Formatting
 * must accept every id the launcher can draw; the real StorageTool checks it here (the
 * Kafka libraries are those the test stack already fetched).
 */
describe('formatting a Kafka log directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-format-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a cluster id that starts with "-"', async () => {
    const config = loadStackConfig({ ...process.env, STACK_PROFILE: 'test', STACK_TOPOLOGY: 'single' });
    const libsDir = await fetchKafkaLibs(config, loadVersions(), 'kafka');
    const node = config.kafka.nodes[0];
    if (!node) throw new Error('the test stack has no Kafka node');
    const dataDir = join(dir, 'data');
    const configFile = join(dir, 'server.properties');
    const [template, values] = kafkaNodeConfig(config, node, dataDir);
    writeConfig(template, configFile, values);

    const clusterId = '-AbCdEfGhIjKlMnOpQrStA';
    formatLogDirectory(
      findJava('kafka', 17, 'KAFKA_JAVA_HOME').bin,
      kafkaJvmArgs(config, libsDir, 'kafka-format', 256),
      {
        node: 'kafka-format-test',
        clusterId,
        configFile,
        options: ['--standalone'],
      },
    );

    const meta = join(dataDir, 'meta.properties');
    expect(existsSync(meta)).toBe(true);
    expect(readFileSync(meta, 'utf8')).toContain(`cluster.id=${clusterId}`);
  }, 60_000);

  it('never draws an id that starts with "-"', () => {
    // The first draw encodes to "-…" (0xF8 is 111110 in its top six bits), the second does not.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift() as Buffer);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(draws).toHaveLength(0);
  });
});
