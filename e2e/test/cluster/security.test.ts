import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { endpointsOf, loadStackConfig, repoRoot, type StackConfig } from '@outbox/config';
import { basicAuthHeader, ConnectClient } from '@outbox/connect';
import { eventually, startService, type ServiceProcess } from '@outbox/e2e';
import { down, loadVersions, stackComponents, up } from '@outbox/stack';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { Client } from 'pg';

/**
 * The cluster topology authenticates and authorises every client (docs/security.md). This file
 * starts the test-profile cluster (3 Kafka nodes, 2 Connect workers; its own ports) and breaks
 * each login on purpose: no login, a wrong password, a principal or role asking for what it may
 * not have, a password rotated under a running streamer.
 */
const env = { ...process.env, STACK_TOPOLOGY: 'cluster', STACK_PROFILE: 'test' };
const cluster: StackConfig = loadStackConfig(env);
const security = cluster.security!;
const tester = endpointsOf(cluster, 'tester');

/** A program of ours, run as `npm run …` runs it, against the cluster. */
function runCli(script: string, args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 180_000,
  });
}

const kafka = (clientId: string, extra: Partial<KafkaConfig> = {}): Kafka =>
  new Kafka({
    clientId,
    brokers: tester.kafkaBrokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 0 },
    ...extra,
  });

const asPrincipal = (name: keyof typeof security.kafka, password = security.kafka[name].password): Kafka =>
  kafka(`security-${name}`, {
    sasl: { mechanism: 'scram-sha-512', username: security.kafka[name].username, password },
  });

async function pgLogin(role: keyof typeof security.postgres, database: string): Promise<Client> {
  const { username, password } = security.postgres[role];
  const client = new Client({
    host: cluster.clientHosts.postgres,
    port: cluster.postgres.port,
    user: username,
    password,
    database,
  });
  await client.connect();
  return client;
}

async function superuser<T>(database: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: tester.postgresUrl(database) });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

const components = stackComponents({ config: cluster, versions: loadVersions() });

beforeAll(async () => {
  await up(components, cluster.startTimeoutMs);
  for (const [script, args] of [
    ['prisma/src/cli.ts', ['all']],
    ['connect/src/cli.ts', ['apply']],
  ] as const) {
    const run = runCli(script, [...args]);
    if (run.status !== 0) throw new Error(`${script} ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
  }
}, 600_000);

// The rest of the suite runs without the cluster's eight servers competing for the CPU.
afterAll(() => down(components, cluster.stopTimeoutMs, false), 180_000);

describe('Connect REST on the cluster', () => {
  it('answers 401 without a login or with a wrong one, and serves the admin login', async () => {
    const url = `${tester.connectUrl}/connectors`;
    expect((await fetch(url)).status).toBe(401);
    const wrong = new ConnectClient(tester.connectUrl, { username: 'connect-admin', password: 'wrong' });
    await expect(wrong.plugins()).rejects.toThrow(/refused the login "connect-admin" \(HTTP 401\)/);
    const admin = new ConnectClient(tester.connectUrl, tester.connectLogin);
    expect(await admin.plugins()).toContain('io.debezium.connector.postgresql.PostgresConnector');
  });

  it('serves its admin endpoints on loopback only, on a listener of their own', async () => {
    const worker = cluster.connect.workers[0]!;
    const main = await fetch(`${tester.connectUrl}/admin/loggers`, {
      headers: basicAuthHeader(tester.connectLogin),
    });
    expect(main.status).toBe(404);
    const admin = await fetch(`http://127.0.0.1:${worker.adminPort}/admin/loggers`);
    expect(admin.status).toBe(200);
  });
});

describe('Kafka on the cluster', () => {
  it('refuses a client without a login and a login with a wrong password', async () => {
    const anonymous = kafka('security-anonymous').admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
    await anonymous.disconnect();
    const wrong = asPrincipal('streamer', 'not-the-password').admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    await wrong.disconnect();
  });

  it("lets the streamer's principal write dead-letter topics but not the event topics", async () => {
    const producer = asPrincipal('streamer').producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      const record = { key: 'security-test', value: 'x', headers: { marker: 'security-test' } };
      await expect(producer.send({ topic: 'catalog-events', messages: [record] })).rejects.toThrow(
        /not authorized|authorization/i,
      );
      const [written] = await producer.send({ topic: 'catalog-events.dlq', messages: [record] });
      expect(written?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });

  it('gives the read-only principal no write and no topic of its own', async () => {
    const producer = asPrincipal('reader').producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: 'order-events', messages: [{ key: 'k', value: 'v' }] })).rejects.toThrow(
        /not authorized|authorization/i,
      );
    } finally {
      await producer.disconnect();
    }
    const admin = asPrincipal('reader').admin();
    await admin.connect();
    try {
      expect((await admin.fetchTopicMetadata({ topics: ['catalog-events'] })).topics).toHaveLength(1);
      await expect(admin.createTopics({ topics: [{ topic: 'security-reader-topic' }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })],
      });
    } finally {
      await admin.disconnect();
    }
  });
});

describe('PostgreSQL on the cluster', () => {
  it("refuses the api's role the streamer database, and the reader any write", async () => {
    await expect(pgLogin('api', 'streamer')).rejects.toMatchObject({ code: '42501' });
    const reader = await pgLogin('reader', 'commerce');
    try {
      await expect(
        reader.query(`INSERT INTO products (id, name, price, stock) VALUES (gen_random_uuid(), 'x', 1, 1)`),
      ).rejects.toMatchObject({ code: '42501' });
      expect((await reader.query('SELECT count(*) FROM products')).rows).toHaveLength(1);
    } finally {
      await reader.end();
    }
  });

  it('lets Debezium replicate and read the outbox, and nothing else', async () => {
    const debezium = await pgLogin('debezium', 'commerce');
    try {
      expect((await debezium.query('SELECT count(*) FROM outbox')).rows).toHaveLength(1);
      await expect(debezium.query('SELECT * FROM products LIMIT 1')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await debezium.end();
    }
    await expect(pgLogin('debezium', 'streamer')).rejects.toMatchObject({ code: '42501' });
  });
});

describe('our programs with a wrong login', () => {
  const fatalOf = (output: string): { refused?: string; msg?: string } | undefined =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level?: number; refused?: string; msg?: string })
      .find((line) => line.level === 60);

  it.each([
    [
      'api',
      { DATABASE_URL: tester.postgresUrl('commerce').replace(/\/\/[^@]+@/, '//outbox_api:wrong@') },
      'postgres',
      /refused the login "outbox_api"/,
    ],
    [
      'streamer',
      { KAFKA_SASL_USERNAME: 'streamer', KAFKA_SASL_PASSWORD: 'wrong' },
      'kafka',
      /Kafka refused the login "streamer"/,
    ],
    [
      'streamer',
      { STREAMER_DATABASE_URL: tester.postgresUrl('streamer').replace(/\/\/[^@]+@/, '//outbox_streamer:wrong@') },
      'postgres',
      /refused the login "outbox_streamer"/,
    ],
  ] as const)('%s exits at start-up naming the refusal (%s)', async (name, extra, server, message) => {
    const service = await startService(name, { ...env, ...extra } as Record<string, string>, { waitReady: false });
    const exit = await Promise.race([service.exited, new Promise((r) => setTimeout(() => r('still running'), 60_000))]);
    if (exit === 'still running') await service.kill('SIGKILL');
    expect(exit).toBe(1);
    expect(fatalOf(service.output())).toMatchObject({ refused: server, msg: expect.stringMatching(message) });
    expect(service.output()).not.toContain(security.kafka.streamer.password);
  });

  it('connect and status name a refused Connect login and exit 1', () => {
    const login = { CONNECT_USERNAME: 'connect-admin', CONNECT_PASSWORD: 'wrong' };
    const connect = runCli('connect/src/cli.ts', ['status'], login);
    expect(connect.status).toBe(1);
    expect(connect.stderr).toMatch(/refused the login "connect-admin" \(HTTP 401\)/);
    const status = runCli('ops/src/cli.ts', [], login);
    expect(status.status).not.toBe(0);
    expect(status.stdout + status.stderr).toMatch(/refused the login "connect-admin" \(HTTP 401\)/);
  });
});

describe('a password rotated under a running streamer', () => {
  let streamer: ServiceProcess | undefined;
  let api: ServiceProcess | undefined;
  const role = security.postgres.streamer;

  afterAll(async () => {
    await superuser('postgres', (db) =>
      db.query(`ALTER ROLE ${db.escapeIdentifier(role.username)} PASSWORD ${db.escapeLiteral(role.password)}`),
    );
    await Promise.all([streamer?.kill('SIGTERM'), api?.kill('SIGTERM')]);
  });

  it('is a wait that names the refusal, and the event is applied once the login works again', async () => {
    streamer = await startService('streamer', { ...env, LOG_LEVEL: 'warn' }, { readyTimeoutMs: 120_000 });
    api = await startService(
      'api',
      { ...env, LOG_LEVEL: 'warn', STREAMER_URL: streamer.url },
      { readyTimeoutMs: 120_000 },
    );
    const product = (await (
      await fetch(`${api.url}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'rotated', price: 100, stock: 5 }),
      })
    ).json()) as { id: string };
    const metrics = () =>
      superuser(
        'streamer',
        async (db) =>
          (await db.query('SELECT likes::int FROM product_metrics WHERE product_id = $1', [product.id])).rows[0] as
            { likes: number } | undefined,
      );
    // A view projects the product (creating one writes no event).
    expect((await fetch(`${api.url}/products/${product.id}/views`, { method: 'POST' })).status).toBe(201);
    await eventually('the view is projected', metrics, 60_000);

    // Rotate the streamer's password and end its sessions: its next statement must log in again.
    await superuser('postgres', async (db) => {
      await db.query(`ALTER ROLE ${db.escapeIdentifier(role.username)} PASSWORD 'rotated-elsewhere'`);
      await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role.username]);
    });
    const liked = await fetch(`${api.url}/products/${product.id}/likes`, {
      method: 'POST',
      headers: { 'x-member-id': 'rotation' },
    });
    expect(liked.status).toBe(201);

    const wait = await eventually(
      'the streamer says what it waits for',
      async () => {
        const waits = (await (await fetch(`${streamer!.url}/waits`)).json()) as {
          waits?: { dependency: string; reason: string }[];
        };
        return waits.waits?.find((w) => /28P01/.test(w.reason));
      },
      60_000,
    );
    expect(wait).toMatchObject({
      dependency: 'postgres',
      reason: expect.stringMatching(/password authentication failed for user "outbox_streamer"/),
    });
    expect(await metrics()).toEqual({ likes: 0 });

    await superuser('postgres', (db) =>
      db.query(`ALTER ROLE ${db.escapeIdentifier(role.username)} PASSWORD ${db.escapeLiteral(role.password)}`),
    );
    await eventually(
      'the like is applied once',
      async () => ((await metrics())?.likes === 1 ? true : undefined),
      60_000,
    );
    const parked = await superuser(
      'streamer',
      async (db) =>
        (await db.query('SELECT count(*)::int AS n FROM dead_letter WHERE aggregate_id = $1', [product.id])).rows[0],
    );
    expect(parked).toEqual({ n: 0 });
  });
});
