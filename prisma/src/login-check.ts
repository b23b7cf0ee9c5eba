import { LoginRefusedError } from '@outbox/config';
import { Client } from 'pg';

/**
 * SQLSTATEs that refuse a login: class 28 (a wrong password, a login pg_hba.conf rejects) and
 * 42501 (no CONNECT right on the database).
 */
function isRefusal(sqlState: string | undefined): boolean {
  return sqlState !== undefined && (sqlState.startsWith('28') || sqlState === '42501');
}

/**
 * Logs in once and runs `SELECT 1`. A refusal throws a LoginRefusedError naming the user and the
 * database; anything else (the server is down or unreachable) is left to the program's own
 * waiting, so a start before the database is up still waits.
 */
export async function checkDatabaseLogin(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const sqlState = (err as { code?: unknown }).code;
    if (typeof sqlState === 'string' && isRefusal(sqlState)) {
      const user = decodeURIComponent(url.username);
      throw new LoginRefusedError(
        'postgres',
        `PostgreSQL at ${url.host} refused the login "${user}" to database ${url.pathname.slice(1)}: ${sqlState} ${(err as Error).message}`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
