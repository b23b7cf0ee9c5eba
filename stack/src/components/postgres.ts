import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { StackError } from '../errors';
import { ensureDebianPackage } from '../install';
import { managedProcess, niced, startDetached } from '../processes';
import type { Component, ComponentContext } from './component';
import { ensurePostgresRoles } from './postgres-roles';

const MIN_MAJOR = 15;

/** Newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin). */
function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .map(Number)
    .filter((m) => m >= MIN_MAJOR && existsSync(join(root, String(m), 'bin', 'postgres')))
    .sort((a, b) => b - a);
  return majors[0] === undefined ? undefined : join(root, String(majors[0]), 'bin');
}

/** PostgreSQL refuses to run as root: when we are root, the cluster belongs to `postgres`. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new StackError(
      'postgres',
      'runs as root here, and PostgreSQL refuses root; no "postgres" user exists to run it as (useradd --system postgres)',
    );
  }
}

export function postgresComponent({ config }: ComponentContext): Component {
  const { host } = config;
  const { port, user, password, databases } = config.postgres;
  const dataDir = join(config.dataDir, 'postgres');
  const socketDir = join(config.runDir, 'postgres-socket');
  const proc = managedProcess(config.runDir, config.logDir, 'postgres');
  // The launcher logs in as the bootstrap superuser (PG_USER), who creates the databases and roles.
  const superuser = (database: string): Client =>
    new Client({
      host: config.clientHosts.postgres,
      port,
      user,
      password,
      database,
      connectionTimeoutMillis: 2000,
    });
  const connect = async (database = 'postgres'): Promise<Client> => {
    const client = superuser(database);
    await client.connect();
    return client;
  };

  const binDir = (): string => {
    ensureDebianPackage('postgres', 'postgresql', () => findPostgresBin() !== undefined);
    return findPostgresBin() as string;
  };

  return {
    name: 'postgres',
    address: `${host}:${port}`,
    ports: [port],
    process: proc,
    dependsOn: [],
    stopSignal: 'SIGINT', // "fast" shutdown: roll back open transactions, checkpoint, exit
    dataDirs: [dataDir],

    async prepare() {
      const bin = binDir();
      const owner = serverUser();
      for (const dir of [dataDir, socketDir]) {
        mkdirSync(dirname(dir), { recursive: true }); // parents stay traversable for the postgres user
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (owner) chownSync(dir, owner.uid, owner.gid);
      }
      if (owner && spawnSync('test', ['-w', dataDir], owner).status !== 0) {
        throw new StackError(
          'postgres',
          `the "postgres" user cannot reach ${dataDir}; make its parent folders traversable (chmod o+x) or set STACK_HOME elsewhere`,
        );
      }
      if (existsSync(join(dataDir, 'PG_VERSION'))) return;
      const pwFile = join(socketDir, 'initdb.pw');
      writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      if (owner) chownSync(pwFile, owner.uid, owner.gid);
      try {
        const result = spawnSync(
          join(bin, 'initdb'),
          [
            '-D',
            dataDir,
            '-U',
            user,
            `--pwfile=${pwFile}`,
            '--auth-host=scram-sha-256',
            '--auth-local=peer',
            '-E',
            'UTF8',
            '--locale=C.UTF-8',
          ],
          { encoding: 'utf8', ...(owner ?? {}) },
        );
        if (result.status !== 0) {
          throw new StackError(
            'postgres',
            `initdb failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`,
          );
        }
      } finally {
        rmSync(pwFile, { force: true });
      }
    },

    async launch() {
      const settings = {
        listen_addresses: host,
        port: String(port),
        unix_socket_directories: socketDir,
        wal_level: 'logical', // Debezium reads the outbox inserts from the WAL
        // Commit times of outbox rows: `npm run chaos` checks events were applied in commit order.
        track_commit_timestamp: 'on',
        max_replication_slots: '20',
        max_wal_senders: '20',
        max_connections: '300',
        shared_buffers: '256MB',
      };
      const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
      return startDetached(proc, { ...niced(config.nice, join(binDir(), 'postgres'), args), ...(serverUser() ?? {}) });
    },

    async healthy() {
      const client = await connect();
      try {
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end();
      }
    },

    async afterHealthy() {
      const client = await connect();
      try {
        for (const database of databases) {
          const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
          if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
        }
      } finally {
        await client.end();
      }
      if (config.security) await ensurePostgresRoles(superuser, config.security);
    },

    async version() {
      const client = await connect();
      try {
        const result = await client.query<{ server_version: string }>('SHOW server_version');
        return result.rows[0]?.server_version;
      } finally {
        await client.end();
      }
    },
  };
}
