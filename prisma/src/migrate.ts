import { messageOf } from '@outbox/config';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Applies Prisma-layout SQL migrations (`<dir>/<name>/migration.sql`) without Prisma's native
 * schema engine, keeping Prisma's own bookkeeping so `prisma migrate deploy` / `migrate status`
 * later see the same history:
 * - the `_prisma_migrations` table, created with the schema engine's exact DDL;
 * - the checksum Prisma stores: sha256 of the migration.sql bytes, lower-case hex;
 * - the advisory lock Prisma Migrate takes (72707369), so concurrent appliers (ours or
 *   Prisma's) run one at a time;
 * - a failed migration in the table stops everything, like Prisma's P3009.
 *
 * Stricter than `migrate deploy` in two ways: each migration runs in ONE transaction together
 * with its bookkeeping row (a failing script leaves neither tables nor a row behind, so a
 * migration must not contain statements that cannot run in a transaction, such as
 * CREATE INDEX CONCURRENTLY), and an applied migration whose file changed is an error.
 */
export interface ApplyMigrationsOptions {
  databaseUrl: string;
  /** A folder of `<name>/migration.sql` folders, applied in name order (Prisma's layout). */
  migrationsDir: string;
  log?: (message: string) => void;
  /** How long to wait for another applier's advisory lock; Prisma's schema engine waits 10 s. */
  lockTimeoutMs?: number;
}

export interface ApplyMigrationsResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations found already applied (with a matching checksum). */
  alreadyApplied: string[];
}

/** Prisma Migrate's advisory lock key (schema-engine, sql-schema-connector/src/flavour/postgres.rs). */
export const PRISMA_MIGRATE_ADVISORY_LOCK = 72707369;

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** The schema engine's DDL for its bookkeeping table, verbatim. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migrationName?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  name: string;
  path: string;
  script: Buffer;
  checksum: string;
}

/** sha256 of the script bytes, as 64 lower-case hex digits: what Prisma stores in `checksum`. */
export function migrationChecksum(script: Buffer | string): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Whether a script matches a stored checksum. Like Prisma, line endings do not matter (git may
 * convert them on checkout), and old non-zero-padded checksums (prisma-engines#1887) still match.
 */
export function scriptMatchesChecksum(script: Buffer, checksum: string): boolean {
  const text = script.toString('utf8');
  const variants = [script, text.replace(/\r\n/g, '\n'), text.replace(/\n/g, '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    const rendered =
      checksum.length !== 0 && checksum.length !== 64
        ? [...digest].map((byte) => byte.toString(16)).join('')
        : digest.toString('hex');
    return rendered === checksum;
  });
}

/** The migrations of a folder in the order Prisma applies them (folder name order). */
export function listMigrations(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) throw new MigrationError(`migrations folder ${migrationsDir} does not exist`);
  assertPostgresLock(migrationsDir);
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const path = join(migrationsDir, name, 'migration.sql');
      if (!existsSync(path)) throw new MigrationError(`migration ${name} has no migration.sql (${path})`, name);
      const script = readFileSync(path);
      return { name, path, script, checksum: migrationChecksum(script) };
    });
}

function assertPostgresLock(migrationsDir: string): void {
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  if (!existsSync(lockPath)) return;
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(readFileSync(lockPath, 'utf8'))?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new MigrationError(`${lockPath} is for provider "${provider}", this applier only handles "postgresql"`);
  }
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

export async function applyMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const { databaseUrl, migrationsDir } = options;
  const log = options.log ?? (() => undefined);
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const migrations = listMigrations(migrationsDir);

  const client = new Client({ connectionString: databaseUrl });
  // A dropped connection surfaces as the failing query's error; do not crash on the event too.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await acquireLock(client, lockTimeoutMs);
    try {
      await actAsDatabaseOwner(client);
      const exists = await client.query<{ present: boolean }>(
        `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`,
      );
      if (!exists.rows[0]?.present) await client.query(CREATE_MIGRATIONS_TABLE);

      const rows = (
        await client.query<MigrationRow>(
          `SELECT migration_name, checksum, finished_at, rolled_back_at, started_at, logs
             FROM _prisma_migrations ORDER BY started_at`,
        )
      ).rows;
      assertNoFailedMigrations(rows);

      const applied: string[] = [];
      const alreadyApplied: string[] = [];
      for (const migration of migrations) {
        // Prisma counts a migration as applied when it has a row that was not rolled back.
        const row = rows.find((r) => r.migration_name === migration.name && r.rolled_back_at === null);
        if (row) {
          if (!scriptMatchesChecksum(migration.script, row.checksum)) {
            throw new MigrationError(
              `The migration \`${migration.name}\` was modified after it was applied ` +
                `(stored checksum ${row.checksum}, file ${migration.checksum}: ${migration.path}). ` +
                'Applied migrations must not change: add a new migration instead.',
              migration.name,
            );
          }
          alreadyApplied.push(migration.name);
          continue;
        }
        await applyOne(client, migration);
        log(`applied ${migration.name}`);
        applied.push(migration.name);
      }
      return { applied, alreadyApplied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_ADVISORY_LOCK]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

/**
 * What the migrations create belongs to the database's owner, whoever applies them. Applied by a
 * superuser (or another role allowed to act as the owner) the tables would be the applier's, and
 * the owner's default privileges, which give each service its tables, would not reach them
 * (docs/security.md). A database whose bookkeeping another role already owns was migrated that
 * way before: it goes on as it was, since the owner could not even read its history.
 */
async function actAsDatabaseOwner(client: Client): Promise<void> {
  const { rows } = await client.query<{ owner: string; switch: boolean }>(
    `SELECT pg_get_userbyid(d.datdba) AS owner,
            current_user <> pg_get_userbyid(d.datdba)
            -- PostgreSQL 16 separates the right to SET ROLE from membership.
            AND pg_has_role(current_user, d.datdba,
                  CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END)
            AND coalesce((SELECT c.relowner = d.datdba FROM pg_class c
                           WHERE c.oid = to_regclass('_prisma_migrations')), true) AS switch
       FROM pg_database d WHERE d.datname = current_database()`,
  );
  const database = rows[0];
  if (database?.switch) await client.query(`SET ROLE ${client.escapeIdentifier(database.owner)}`);
}

async function acquireLock(client: Client, lockTimeoutMs: number): Promise<void> {
  // lock_timeout bounds the wait on the advisory lock only; it is reset before any migration runs.
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${lockTimeoutMs}ms`]);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_ADVISORY_LOCK]);
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new MigrationError(
        `timed out after ${lockTimeoutMs} ms waiting for the migration advisory lock ` +
          `(pg_advisory_lock(${PRISMA_MIGRATE_ADVISORY_LOCK})): another migration is running`,
        undefined,
        { cause: error },
      );
    }
    throw error;
  } finally {
    await client.query('RESET lock_timeout');
  }
}

function assertNoFailedMigrations(rows: MigrationRow[]): void {
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length === 0) return;
  const details = failed
    .map((r) => {
      const logs = r.logs?.trim() ? ` with the following logs:\n${r.logs.trim()}` : '';
      return `The \`${r.migration_name}\` migration started at ${r.started_at.toISOString()} failed${logs}`;
    })
    .join('\n');
  throw new MigrationError(
    `P3009: migrate found failed migrations in the target database, new migrations will not be applied.\n${details}\n` +
      'Fix the database, then mark the migration with `prisma migrate resolve --rolled-back <name>` ' +
      'or `--applied <name>`.',
    failed[0]?.migration_name,
  );
}

async function applyOne(client: Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
      [id, migration.checksum, migration.name],
    );
    // No parameters: the simple query protocol runs the whole multi-statement script.
    await client.query(migration.script.toString('utf8'));
    await client.query(
      `UPDATE _prisma_migrations
          SET finished_at = clock_timestamp(), applied_steps_count = applied_steps_count + 1
        WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = messageOf(error);
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${reason}`, migration.name, {
      cause: error,
    });
  }
}
