import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, commerceMigrationsDir, MigrationError, streamerMigrationsDir } from '../src';
import { scriptMatchesChecksum } from '../src/migrate';
import { createThrowawayDb, tempDir, ThrowawayDb, withClient, writeMigration } from './helpers';

const commerceTables = [
  'coupons',
  'idempotency_keys',
  'order_items',
  'orders',
  'outbox',
  'payments',
  'product_likes',
  'product_views',
  'products',
];
const streamerTables = ['dead_letter', 'event_handled', 'product_metrics', 'reconcile_check'];

function migrationNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Computed here, independently of the applier: sha256 hex of the file's bytes. */
function fileChecksum(dir: string, name: string): string {
  return createHash('sha256')
    .update(readFileSync(join(dir, name, 'migration.sql')))
    .digest('hex');
}

async function tables(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const r = await c.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    return r.rows.map((row) => row.tablename);
  });
}

interface Row {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

async function migrationRows(url: string): Promise<Row[]> {
  return withClient(url, async (c) => {
    const r = await c.query<Row>(
      `SELECT id, migration_name, checksum, finished_at, rolled_back_at, applied_steps_count
         FROM _prisma_migrations ORDER BY migration_name`,
    );
    return r.rows;
  });
}

describe('applyMigrations', () => {
  const dbs: ThrowawayDb[] = [];
  const dirs: { remove(): void }[] = [];
  async function freshDb(): Promise<ThrowawayDb> {
    const db = await createThrowawayDb();
    dbs.push(db);
    return db;
  }
  function dir(from?: string): string {
    const d = tempDir(from);
    dirs.push(d);
    return d.path;
  }
  afterAll(async () => {
    for (const db of dbs) await db.drop();
    for (const d of dirs) d.remove();
  });

  it('applies the commerce migrations to an empty database: tables, publication, bookkeeping', async () => {
    const db = await freshDb();
    const names = migrationNames(commerceMigrationsDir);
    expect(names.length).toBeGreaterThan(0);

    const logged: string[] = [];
    const result = await applyMigrations({
      databaseUrl: db.url,
      migrationsDir: commerceMigrationsDir,
      log: (m) => logged.push(m),
    });

    expect(result).toEqual({ applied: names, alreadyApplied: [] });
    expect(logged).toEqual(names.map((n) => `applied ${n}`));
    expect(await tables(db.url)).toEqual(['_prisma_migrations', ...commerceTables].sort());

    const rows = await migrationRows(db.url);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const row of rows) {
      expect(row.checksum).toBe(fileChecksum(commerceMigrationsDir, row.migration_name));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }

    await withClient(db.url, async (c) => {
      const pub = await c.query(
        `SELECT pubinsert, pubupdate, pubdelete, pubtruncate, puballtables FROM pg_publication WHERE pubname = 'commerce_outbox'`,
      );
      expect(pub.rows).toEqual([
        { pubinsert: true, pubupdate: false, pubdelete: false, pubtruncate: false, puballtables: false },
      ]);
      const pubTables = await c.query(`SELECT tablename FROM pg_publication_tables WHERE pubname = 'commerce_outbox'`);
      expect(pubTables.rows).toEqual([{ tablename: 'outbox' }]);

      // Prisma's own bookkeeping DDL, so `prisma migrate deploy` accepts the table as its own.
      const columns = await c.query(
        `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
           FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      );
      expect(columns.rows).toEqual([
        { column_name: 'id', data_type: 'character varying', len: 36, is_nullable: 'NO', column_default: null },
        { column_name: 'checksum', data_type: 'character varying', len: 64, is_nullable: 'NO', column_default: null },
        {
          column_name: 'finished_at',
          data_type: 'timestamp with time zone',
          len: null,
          is_nullable: 'YES',
          column_default: null,
        },
        {
          column_name: 'migration_name',
          data_type: 'character varying',
          len: 255,
          is_nullable: 'NO',
          column_default: null,
        },
        { column_name: 'logs', data_type: 'text', len: null, is_nullable: 'YES', column_default: null },
        {
          column_name: 'rolled_back_at',
          data_type: 'timestamp with time zone',
          len: null,
          is_nullable: 'YES',
          column_default: null,
        },
        {
          column_name: 'started_at',
          data_type: 'timestamp with time zone',
          len: null,
          is_nullable: 'NO',
          column_default: 'now()',
        },
        { column_name: 'applied_steps_count', data_type: 'integer', len: null, is_nullable: 'NO', column_default: '0' },
      ]);
    });

    // A second run applies nothing.
    const again = await applyMigrations({ databaseUrl: db.url, migrationsDir: commerceMigrationsDir });
    expect(again).toEqual({ applied: [], alreadyApplied: names });
    expect(await migrationRows(db.url)).toHaveLength(names.length);
  });

  it('applies the streamer migrations to an empty database', async () => {
    const db = await freshDb();
    const names = migrationNames(streamerMigrationsDir);
    const result = await applyMigrations({ databaseUrl: db.url, migrationsDir: streamerMigrationsDir });
    expect(result).toEqual({ applied: names, alreadyApplied: [] });
    expect(await tables(db.url)).toEqual(['_prisma_migrations', ...streamerTables].sort());
    const rows = await migrationRows(db.url);
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(
      names.map((n) => [n, fileChecksum(streamerMigrationsDir, n)]),
    );
  });

  it("makes the database's owner own what the migrations create, when a superuser applies them", async () => {
    const db = await freshDb();
    const owner = `${db.name}_owner`;
    await withClient(db.url, async (c) => {
      await c.query(`CREATE ROLE "${owner}" NOLOGIN`);
      await c.query(`ALTER DATABASE "${db.name}" OWNER TO "${owner}"`);
    });
    try {
      await applyMigrations({ databaseUrl: db.url, migrationsDir: streamerMigrationsDir });
      const owners = await withClient(db.url, async (c) => {
        const r = await c.query<{ tablename: string; tableowner: string }>(
          `SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
        );
        return r.rows;
      });
      expect(owners).toEqual(
        ['_prisma_migrations', ...streamerTables].sort().map((tablename) => ({ tablename, tableowner: owner })),
      );
    } finally {
      await db.drop();
      await withClient(db.url.replace(`/${db.name}`, '/postgres'), (c) => c.query(`DROP ROLE "${owner}"`));
    }
  });

  it('goes on as before on a database whose migrations another role already applied', async () => {
    const db = await freshDb();
    const owner = `${db.name}_owner`;
    // Migrated by the superuser first, then the database is given to a role of its own.
    await applyMigrations({ databaseUrl: db.url, migrationsDir: streamerMigrationsDir });
    await withClient(db.url, async (c) => {
      await c.query(`CREATE ROLE "${owner}" NOLOGIN`);
      await c.query(`ALTER DATABASE "${db.name}" OWNER TO "${owner}"`);
    });
    try {
      const again = await applyMigrations({ databaseUrl: db.url, migrationsDir: streamerMigrationsDir });
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toEqual(migrationNames(streamerMigrationsDir));
    } finally {
      await db.drop();
      await withClient(db.url.replace(`/${db.name}`, '/postgres'), (c) => c.query(`DROP ROLE "${owner}"`));
    }
  });

  it('enforces the hand-added CHECK and UNIQUE constraints', async () => {
    const commerceDb = await freshDb();
    const streamerDb = await freshDb();
    await applyMigrations({ databaseUrl: commerceDb.url, migrationsDir: commerceMigrationsDir });
    await applyMigrations({ databaseUrl: streamerDb.url, migrationsDir: streamerMigrationsDir });

    await withClient(commerceDb.url, async (c) => {
      await expect(c.query(`INSERT INTO products (name, price, stock) VALUES ('a', 100, -1)`)).rejects.toMatchObject({
        code: '23514',
        constraint: 'products_stock_check',
      });
      await expect(c.query(`INSERT INTO products (name, price, stock) VALUES ('a', -1, 1)`)).rejects.toMatchObject({
        code: '23514',
        constraint: 'products_price_check',
      });
      const product = await c.query<{ id: string }>(
        `INSERT INTO products (name, price, stock) VALUES ('a', 100, 0) RETURNING id`,
      );
      expect(product.rows[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
      await expect(c.query(`UPDATE products SET stock = stock - 1`)).rejects.toMatchObject({
        constraint: 'products_stock_check',
      });

      const coupon = await c.query<{ id: string }>(`INSERT INTO coupons (code, discount) VALUES ('X', 5) RETURNING id`);
      const couponId = coupon.rows[0]?.id;
      const order = `INSERT INTO orders (id, member_id, status, total_amount, coupon_id) VALUES (gen_random_uuid(), 'm', $1, 10, $2)`;
      await expect(c.query(order, ['SHIPPED', null])).rejects.toMatchObject({ constraint: 'orders_status_check' });
      await c.query(order, ['CREATED', couponId]);
      await expect(c.query(order, ['CREATED', couponId])).rejects.toMatchObject({
        code: '23505',
        constraint: 'orders_coupon_id_key',
      });
    });

    await withClient(streamerDb.url, async (c) => {
      await c.query(`INSERT INTO product_metrics (product_id) VALUES (gen_random_uuid())`);
      await expect(c.query(`UPDATE product_metrics SET likes = likes - 1`)).rejects.toMatchObject({
        code: '23514',
        constraint: 'product_metrics_likes_check',
      });
      await expect(
        c.query(
          `INSERT INTO dead_letter (consumer_group, topic, partition, "offset", headers, error, attempts, status)
           VALUES ('g', 't', 0, 1, '{}', 'e', 1, 'lost')`,
        ),
      ).rejects.toMatchObject({ constraint: 'dead_letter_status_check' });
    });
  });

  it('serializes parallel appliers: each migration is applied exactly once', async () => {
    const db = await freshDb();
    const migrations = dir();
    // Slow migrations widen the window in which unserialized appliers would both apply them.
    writeMigration(
      migrations,
      '20260101000000_a',
      'SELECT pg_sleep(0.3);\nCREATE TABLE "a" ("id" INTEGER NOT NULL);\n',
    );
    writeMigration(
      migrations,
      '20260101000001_b',
      'SELECT pg_sleep(0.3);\nCREATE TABLE "b" ("id" INTEGER NOT NULL);\n',
    );
    writeMigration(migrations, '20260101000002_c', 'CREATE TABLE "c" ("id" INTEGER NOT NULL);\n');

    const results = await Promise.all(
      [1, 2, 3].map(() => applyMigrations({ databaseUrl: db.url, migrationsDir: migrations })),
    );

    const allApplied = results.flatMap((r) => r.applied).sort();
    expect(allApplied).toEqual(['20260101000000_a', '20260101000001_b', '20260101000002_c']);
    for (const r of results) expect([...r.applied, ...r.alreadyApplied].sort()).toEqual(allApplied);
    expect((await migrationRows(db.url)).map((r) => r.migration_name)).toEqual(allApplied);
  });

  it('refuses an applied migration whose file changed, naming it', async () => {
    const db = await freshDb();
    const migrations = dir(commerceMigrationsDir);
    const [first] = migrationNames(migrations);
    await applyMigrations({ databaseUrl: db.url, migrationsDir: migrations });

    appendFileSync(join(migrations, first!, 'migration.sql'), '\n-- edited after it was applied\n');
    const attempt = applyMigrations({ databaseUrl: db.url, migrationsDir: migrations });
    await expect(attempt).rejects.toThrow(MigrationError);
    await expect(attempt).rejects.toThrow(`The migration \`${first}\` was modified after it was applied`);
  });

  it('accepts an applied migration whose line endings changed (as Prisma does)', async () => {
    const db = await freshDb();
    const migrations = dir();
    writeMigration(migrations, '20260101000000_a', 'CREATE TABLE "a" ("id" INTEGER NOT NULL);\nSELECT 1;\n');
    await applyMigrations({ databaseUrl: db.url, migrationsDir: migrations });
    writeMigration(migrations, '20260101000000_a', 'CREATE TABLE "a" ("id" INTEGER NOT NULL);\r\nSELECT 1;\r\n');
    await expect(applyMigrations({ databaseUrl: db.url, migrationsDir: migrations })).resolves.toEqual({
      applied: [],
      alreadyApplied: ['20260101000000_a'],
    });
    expect(scriptMatchesChecksum(Buffer.from('abc\n'), createHash('sha256').update('abc').digest('hex'))).toBe(false);
  });

  it('rolls a failing migration back completely: no partial table, no row, later migrations not applied', async () => {
    const db = await freshDb();
    const migrations = dir();
    writeMigration(migrations, '20260101000000_good', 'CREATE TABLE "good" ("id" INTEGER NOT NULL);\n');
    writeMigration(
      migrations,
      '20260101000001_broken',
      'CREATE TABLE "partial" ("id" INTEGER NOT NULL);\nINSERT INTO "partial" VALUES (1);\nSELECT 1 / 0;\n',
    );
    writeMigration(migrations, '20260101000002_later', 'CREATE TABLE "later" ("id" INTEGER NOT NULL);\n');

    const attempt = applyMigrations({ databaseUrl: db.url, migrationsDir: migrations });
    await expect(attempt).rejects.toThrow('migration 20260101000001_broken failed and was rolled back');
    await expect(attempt).rejects.toMatchObject({ migrationName: '20260101000001_broken' });

    expect(await tables(db.url)).toEqual(['_prisma_migrations', 'good']);
    expect((await migrationRows(db.url)).map((r) => r.migration_name)).toEqual(['20260101000000_good']);

    // Nothing was left half-done, so fixing the file is enough: the next run applies the rest.
    writeMigration(migrations, '20260101000001_broken', 'CREATE TABLE "partial" ("id" INTEGER NOT NULL);\n');
    await expect(applyMigrations({ databaseUrl: db.url, migrationsDir: migrations })).resolves.toEqual({
      applied: ['20260101000001_broken', '20260101000002_later'],
      alreadyApplied: ['20260101000000_good'],
    });
  });

  it('refuses to run over a failed migration recorded by Prisma (P3009)', async () => {
    const db = await freshDb();
    const migrations = dir();
    writeMigration(migrations, '20260101000000_a', 'CREATE TABLE "a" ("id" INTEGER NOT NULL);\n');
    writeMigration(migrations, '20260101000001_b', 'CREATE TABLE "b" ("id" INTEGER NOT NULL);\n');
    await applyMigrations({ databaseUrl: db.url, migrationsDir: migrations });
    // What `prisma migrate deploy` leaves when a script fails half-way: a row never finished.
    await withClient(db.url, (c) =>
      c.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES (gen_random_uuid(), $1, $2, 'boom')`,
        ['0'.repeat(64), '20260101000002_failed'],
      ),
    );
    writeMigration(migrations, '20260101000003_c', 'CREATE TABLE "c" ("id" INTEGER NOT NULL);\n');

    const attempt = applyMigrations({ databaseUrl: db.url, migrationsDir: migrations });
    await expect(attempt).rejects.toThrow(/P3009[\s\S]*`20260101000002_failed` migration started at .* failed/);
    expect(await tables(db.url)).not.toContain('c');

    // `prisma migrate resolve --rolled-back` sets rolled_back_at; then the applier goes on.
    await withClient(db.url, (c) =>
      c.query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '20260101000002_failed'`),
    );
    await expect(applyMigrations({ databaseUrl: db.url, migrationsDir: migrations })).resolves.toEqual({
      applied: ['20260101000003_c'],
      alreadyApplied: ['20260101000000_a', '20260101000001_b'],
    });
  });

  it('fails fast when another applier holds the lock too long', async () => {
    const db = await freshDb();
    const migrations = dir();
    writeMigration(migrations, '20260101000000_a', 'CREATE TABLE "a" ("id" INTEGER NOT NULL);\n');
    await withClient(db.url, async (holder) => {
      await holder.query('SELECT pg_advisory_lock(72707369)');
      await expect(
        applyMigrations({ databaseUrl: db.url, migrationsDir: migrations, lockTimeoutMs: 300 }),
      ).rejects.toThrow(/timed out after 300 ms waiting for the migration advisory lock/);
    });
    expect(await tables(db.url)).toEqual([]);
  });

  it('names a migration folder without migration.sql, and a missing folder, before connecting', async () => {
    const migrations = dir();
    writeMigration(migrations, '20260101000000_a', 'SELECT 1;\n');
    mkdirSync(join(migrations, '20260101000001_empty'));
    const unreachable = 'postgresql://nobody@127.0.0.1:1/none';
    await expect(applyMigrations({ databaseUrl: unreachable, migrationsDir: migrations })).rejects.toThrow(
      'migration 20260101000001_empty has no migration.sql',
    );
    await expect(
      applyMigrations({ databaseUrl: unreachable, migrationsDir: join(migrations, 'nope') }),
    ).rejects.toThrow('does not exist');
  });
});
