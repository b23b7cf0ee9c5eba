import { Client } from 'pg';
import { endpoints } from '../../src';

describe('PostgreSQL', () => {
  const client = new Client({ connectionString: endpoints.postgresUrl('commerce') });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  it('runs with logical decoding enabled (Debezium needs wal_level=logical)', async () => {
    const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
    expect(rows[0]?.wal_level).toBe('logical');
  });

  it('has the commerce and streamer databases', async () => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname IN ('commerce', 'streamer') ORDER BY datname",
    );
    expect(rows.map((r) => r.datname)).toEqual(['commerce', 'streamer']);
  });

  it('lets its user open a logical replication slot with pgoutput', async () => {
    const slot = `smoke_${Date.now()}`;
    await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    try {
      const { rows } = await client.query('SELECT plugin FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      expect(rows).toEqual([{ plugin: 'pgoutput' }]);
    } finally {
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
    }
  });
});
