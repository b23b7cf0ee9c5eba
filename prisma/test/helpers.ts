import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointsOf, loadStackConfig } from '@outbox/config';
import { Client } from 'pg';

const endpoints = endpointsOf(loadStackConfig(), 'tester');

/** A throwaway database (never commerce/streamer themselves); drop() removes it. */
export interface ThrowawayDb {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: endpoints.postgresUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createThrowawayDb(): Promise<ThrowawayDb> {
  const name = `mig_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: endpoints.postgresUrl(name),
    drop: () =>
      withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** Runs fn with a connected client on the database, then closes it. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A temp folder; with `from`, a copy of that folder. */
export function tempDir(from?: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'outbox-db-'));
  if (from) cpSync(from, path, { recursive: true });
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes `<dir>/<name>/migration.sql`. */
export function writeMigration(dir: string, name: string, sql: string): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}
