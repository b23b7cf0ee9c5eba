import { createHash, randomUUID } from 'node:crypto';
import { applyMigrations, streamerMigrationsDir } from '@outbox/db';
import { endpoints, uniqueName } from '@outbox/e2e';
import { DeadLetterError, type DeadLetterRefusal } from '@outbox/streamer';
import { Client } from 'pg';
import { buildConsoleApp, refusalStatus, type ConsoleApp } from '../src/app';
import { loadConsoleConfig } from '../src/config';

describe('the HTTP status of a refused dead-letter action', () => {
  it('follows the refusal code, whatever the message says', () => {
    const refusal = (code: DeadLetterRefusal) => new DeadLetterError('no dead letter, already, waits behind', code);
    expect(refusalStatus(refusal('NOT_FOUND'))).toBe(404);
    expect(refusalStatus(refusal('NOT_HEAD'))).toBe(409);
    expect(refusalStatus(refusal('ALREADY_SETTLED'))).toBe(409);
    expect(refusalStatus(refusal('BAD_INPUT'))).toBe(400);
  });
});

/** The console's action route against the test stack's streamer database (no browser). */
describe('console dead-letter actions answer 404 and 409', () => {
  const group = uniqueName('console-refusals');
  const token = randomUUID();
  const db = new Client({ connectionString: endpoints.postgresUrl('streamer') });
  let consoleApp: ConsoleApp;
  let url: string;

  /** Parks a row by hand: already copied to the DLQ topic, so no publisher touches it. */
  const park = async (aggregate: string, offset: number, status: string): Promise<string> => {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO dead_letter (consumer_group, topic, "partition", "offset", message_key, queue_key, aggregate_id,
         headers, value, error, attempts, status, published_at)
       VALUES ($1, 'catalog-events', 0, $2, $3, $4, $5, '[]'::jsonb, NULL, 'parked by the console test', 1, $6, now())
       RETURNING id::text`,
      [group, offset, Buffer.from(aggregate), createHash('sha256').update(aggregate).digest('hex'), aggregate, status],
    );
    return (rows[0] as { id: string }).id;
  };
  // Over HTTP (fastify's inject needs an ES module jest does not load).
  const act = (id: string, action = 'replay') =>
    fetch(`${url}/dlq/${id}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-console-token': token },
      body: JSON.stringify({ confirm: 'yes' }),
    });
  const statuses = async () =>
    (
      await db.query<{ status: string }>('SELECT status FROM dead_letter WHERE consumer_group = $1 ORDER BY "offset"', [
        group,
      ])
    ).rows.map((r) => r.status);

  beforeAll(async () => {
    await applyMigrations({ databaseUrl: endpoints.postgresUrl('streamer'), migrationsDir: streamerMigrationsDir });
    await db.connect();
    consoleApp = await buildConsoleApp(
      loadConsoleConfig({ ...process.env, CONSOLE_TOKEN: token, CONSOLE_PORT: '0', METRICS_GROUP_ID: group }),
    );
    url = await consoleApp.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await consoleApp?.close();
    await db.query('DELETE FROM dead_letter WHERE consumer_group = $1', [group]);
    await db.end();
  });

  it('404 for a dead letter that does not exist', async () => {
    const { rows } = await db.query<{ id: string }>(
      'SELECT (coalesce(max(id), 0) + 1000000)::text AS id FROM dead_letter',
    );
    const res = await act((rows[0] as { id: string }).id);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ statusCode: 404, error: expect.any(String) });
  });

  it('409 for a dead letter settled already, and for one waiting behind its head; nothing changes', async () => {
    const aggregate = randomUUID();
    const settled = await park(aggregate, 1, 'discarded');
    const head = await park(aggregate, 2, 'new');
    const behind = await park(aggregate, 3, 'new');
    expect(head).not.toBe(behind);

    const again = await act(settled, 'discard');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ statusCode: 409, error: expect.any(String) });

    const notHead = await act(behind, 'discard');
    expect(notHead.status).toBe(409);
    expect(await notHead.json()).toMatchObject({ statusCode: 409, error: expect.any(String) });

    expect(await statuses()).toEqual(['discarded', 'new', 'new']);
  });
});
