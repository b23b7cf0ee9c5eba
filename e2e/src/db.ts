import { Client } from 'pg';
import { endpoints } from './stack-under-test';

/** One query against a database of the stack under test, on a connection of its own. */
export async function queryDb<T extends object>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: endpoints.postgresUrl(database) });
  await db.connect();
  try {
    return (await db.query<T>(sql, params)).rows;
  } finally {
    await db.end();
  }
}
