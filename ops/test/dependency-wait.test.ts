import { randomUUID } from 'node:crypto';
import { applyMigrations, streamerMigrationsDir } from '@outbox/db';
import {
  endpoints,
  eventually,
  preparePipeline,
  produceAsDebezium,
  queryDb,
  startGroupsAtEnd,
  startStreamer,
  uniqueName,
  type ServiceProcess,
} from '@outbox/e2e';
import { EventCodec, newEvent } from '@outbox/events';
import { Client } from 'pg';
import { loadStatusConfig, pipelineStatus, renderStatus, type StatusConfig, type StatusReport } from '../src';

jest.setTimeout(180_000);

const LOCK_TIMEOUT = '55P03 canceling statement due to lock timeout';

/**
 * A PostgreSQL that is up but refuses the streamer's statement: `npm run status` names what it
 * answered (SQLSTATE and message), against a real streamer, Kafka and PostgreSQL of the test
 * stack. The streamer has a database of its own: no other run's rows or dead letters.
 */
describe('status: what a dependency the streamer waits for answered', () => {
  const groups = { metrics: uniqueName('wait-metrics'), cacheInvalidation: uniqueName('wait-cache') };
  const database = uniqueName('status_wait').toLowerCase();
  const databaseUrl = endpoints.postgresUrl(database);
  const db = new Client({ connectionString: databaseUrl });
  let codec: EventCodec;
  let streamer: ServiceProcess;
  let config: StatusConfig;

  const statusUntil = (what: string, accept: (r: StatusReport) => boolean): Promise<StatusReport> => {
    let last: StatusReport | undefined;
    return eventually(
      what,
      async () => {
        last = await pipelineStatus(config);
        return accept(last) ? last : undefined;
      },
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last reasons: ${JSON.stringify(last?.reasons)}`);
    });
  };

  beforeAll(async () => {
    await preparePipeline();
    await startGroupsAtEnd(Object.values(groups));
    await queryDb('postgres', `CREATE DATABASE ${database}`);
    await applyMigrations({ databaseUrl, migrationsDir: streamerMigrationsDir });
    codec = await EventCodec.connect(endpoints.registryUrl);
    await db.connect();
    streamer = await startStreamer({
      METRICS_GROUP_ID: groups.metrics,
      CACHE_GROUP_ID: groups.cacheInvalidation,
      STREAMER_DATABASE_URL: databaseUrl,
    });
    config = {
      ...loadStatusConfig(),
      groups,
      streamerUrl: streamer.url,
      streamerDatabaseUrl: databaseUrl,
      stallRecheckMs: 0,
    };
  });
  afterAll(async () => {
    await streamer?.kill('SIGTERM');
    await db.end();
    await queryDb('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('names the SQLSTATE and message of a lock timeout while a row is held, and clears when it is released', async () => {
    const productId = randomUUID();
    await db.query('INSERT INTO product_metrics (product_id) VALUES ($1)', [productId]);
    // Another session holds the product's row: the streamer's upsert fails on its lock timeout.
    await db.query('BEGIN');
    try {
      await db.query('SELECT 1 FROM product_metrics WHERE product_id = $1 FOR UPDATE', [productId]);
      await produceAsDebezium(codec, 'catalog-events', [newEvent('PRODUCT_LIKED', productId, { memberId: 'w' })]);

      const reason = `${groups.metrics} group waits for postgres: ${LOCK_TIMEOUT}`;
      const report = await statusUntil('the wait with its answer', (r) => r.reasons.includes(reason));
      expect(report.verdict).toBe('degraded');
      expect(report.reasons.join('\n')).not.toContain('(down)');
      expect(report.streamer).toMatchObject({
        ok: true,
        waiting: [{ groupId: groups.metrics, dependency: 'postgres', reason: LOCK_TIMEOUT, partitions: 1 }],
      });
      expect(renderStatus(report)).toContain(`DEGRADED: ${reason}`);
      // Prometheus counts the wait by group and dependency only: the answer is no label.
      const exposition = await (await fetch(`${streamer.url}/metrics`)).text();
      expect(exposition).toContain(`streamer_dependency_waiting{group="${groups.metrics}",dependency="postgres"} 1`);
      expect(exposition).not.toContain('lock timeout');
    } finally {
      await db.query('ROLLBACK');
    }

    await statusUntil('the wait to end', (r) => r.streamer.ok && r.streamer.waiting.length === 0);
    const likes = await eventually('the like to be applied', async () => {
      const { rows } = await db.query<{ likes: string }>('SELECT likes FROM product_metrics WHERE product_id = $1', [
        productId,
      ]);
      return rows[0]?.likes === '1' ? rows[0].likes : undefined;
    });
    expect(likes).toBe('1');
  });
});
