import { applyMigrations, commerceMigrationsDir } from '@outbox/db';
import { endpoints, eventually, stack } from '@outbox/e2e';
import { Client } from 'pg';
import { applyConnector, loadConnector } from '@outbox/connect';

/**
 * The replication slot must not pin WAL while the commerce database is idle and the streamer
 * database on the same server writes a lot: Debezium's heartbeat action query emits a logical
 * message in the commerce database, which lets the connector confirm newer positions.
 */
describe('replication slot with an idle outbox', () => {
  const slot = loadConnector(stack).config['slot.name'] as string;
  const server = new Client({ connectionString: endpoints.postgresUrl('streamer') });

  beforeAll(async () => {
    await applyMigrations({ databaseUrl: endpoints.postgresUrl('commerce'), migrationsDir: commerceMigrationsDir });
    await applyConnector(stack);
    await server.connect();
  });
  afterAll(async () => {
    await server.query('DROP TABLE IF EXISTS heartbeat_churn');
    await server.end();
  });

  it("advances the slot's confirmed LSN past WAL written only by the streamer database", async () => {
    await server.query('CREATE TABLE IF NOT EXISTS heartbeat_churn (id bigserial PRIMARY KEY, filler text)');
    await server.query("INSERT INTO heartbeat_churn (filler) SELECT repeat('x', 500) FROM generate_series(1, 40000)");
    const { rows } = await server.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const writtenUpTo = rows[0]?.lsn as string;

    const caughtUp = await eventually(
      `slot ${slot} confirming ${writtenUpTo}`,
      async () => {
        const result = await server.query<{ confirmed: string; behind: string }>(
          `SELECT confirmed_flush_lsn::text AS confirmed, pg_wal_lsn_diff($2::pg_lsn, confirmed_flush_lsn)::text AS behind
           FROM pg_replication_slots WHERE slot_name = $1`,
          [slot, writtenUpTo],
        );
        const row = result.rows[0];
        return row && Number(row.behind) <= 0 ? row : undefined;
      },
      90_000,
    );
    expect(Number(caughtUp.behind)).toBeLessThanOrEqual(0);
  });
});
