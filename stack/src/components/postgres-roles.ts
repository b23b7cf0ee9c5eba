import { Client } from 'pg';
import type { PostgresRole, StackSecurity } from '@outbox/config';

/**
 * The cluster topology's PostgreSQL roles, one per job (docs/security.md). Idempotent: run by the
 * launcher as the bootstrap superuser every time the server is up; a changed STACK_SECRET sets
 * the new passwords.
 *
 * - owner: owns the commerce and streamer databases and everything the migrations create;
 * - api: reads and writes the commerce tables; no replication, no DDL, no streamer database;
 * - debezium: REPLICATION; `connect apply` grants it SELECT on the outbox; owns nothing;
 * - streamer: reads and writes its own database's tables only;
 * - reader: reads both databases (status, the console); pg_monitor for the slot's lag;
 * - registry: owns the schema registry's database.
 */
export async function ensurePostgresRoles(
  superuser: (database: string) => Client,
  security: StackSecurity,
): Promise<void> {
  const name = (role: PostgresRole): string => security.postgres[role].username;
  const admin = superuser('postgres');
  await admin.connect();
  try {
    for (const role of Object.keys(security.postgres) as PostgresRole[]) {
      const { username, password } = security.postgres[role];
      const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
      const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
      const attributes = role === 'debezium' ? 'LOGIN REPLICATION' : 'LOGIN NOREPLICATION';
      // CREATE/ALTER ROLE take no bind parameters; the password is quoted as a literal.
      await admin.query(
        `${verb} ROLE ${admin.escapeIdentifier(username)} ${attributes} PASSWORD ${admin.escapeLiteral(password)}`,
      );
    }
    await admin.query(`GRANT pg_monitor TO ${admin.escapeIdentifier(name('reader'))}`);
    const databases: [string, PostgresRole, PostgresRole[]][] = [
      ['commerce', 'owner', ['api', 'debezium', 'reader']],
      ['streamer', 'owner', ['streamer', 'reader']],
      ['registry', 'registry', []],
    ];
    for (const [database, owner, users] of databases) {
      const db = admin.escapeIdentifier(database);
      await admin.query(`ALTER DATABASE ${db} OWNER TO ${admin.escapeIdentifier(name(owner))}`);
      await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
      for (const user of users)
        await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${admin.escapeIdentifier(name(user))}`);
    }
  } finally {
    await admin.end();
  }
  // What the owner creates later (the migrations) is readable and writable by who needs it.
  const grants: [string, string][] = [
    ['commerce', `SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${name('api')}`],
    ['commerce', `USAGE, SELECT ON SEQUENCES TO ${name('api')}`],
    ['commerce', `SELECT ON TABLES TO ${name('reader')}`],
    ['streamer', `SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${name('streamer')}`],
    ['streamer', `USAGE, SELECT ON SEQUENCES TO ${name('streamer')}`],
    ['streamer', `SELECT ON TABLES TO ${name('reader')}`],
  ];
  for (const database of ['commerce', 'streamer']) {
    const db = superuser(database);
    await db.connect();
    try {
      for (const [target, grant] of grants) {
        if (target !== database) continue;
        await db.query(
          `ALTER DEFAULT PRIVILEGES FOR ROLE ${db.escapeIdentifier(name('owner'))} IN SCHEMA public GRANT ${grant}`,
        );
      }
    } finally {
      await db.end();
    }
  }
}
