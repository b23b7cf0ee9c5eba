/**
 * Applies the SQL migrations: `tsx prisma/src/cli.ts [commerce|streamer|all]` (default all),
 * or `npm run migrate -w @outbox/db [-- commerce]`.
 *
 * URLs come from COMMERCE_DATABASE_URL / STREAMER_DATABASE_URL, else from the stack
 * configuration (STACK_PROFILE, PG_PORT, ...), so it targets the same servers as the services.
 */
import { endpointsOf, loadStackConfig, messageOf } from '@outbox/config';
import { applyMigrations } from './migrate';
import { commerceMigrationsDir, streamerMigrationsDir } from './paths';

const databases = {
  commerce: { envVar: 'COMMERCE_DATABASE_URL', migrationsDir: commerceMigrationsDir },
  streamer: { envVar: 'STREAMER_DATABASE_URL', migrationsDir: streamerMigrationsDir },
} as const;

type Database = keyof typeof databases;

export function parseTargets(args: string[]): Database[] {
  if (args.length > 1) throw new Error(`expected at most one argument (commerce, streamer or all), got ${args.length}`);
  const target = args[0] ?? 'all';
  if (target === 'all') return ['commerce', 'streamer'];
  if (target === 'commerce' || target === 'streamer') return [target];
  throw new Error(`unknown database "${target}": expected commerce, streamer or all`);
}

export function resolveDatabaseUrl(database: Database, env: NodeJS.ProcessEnv = process.env): string {
  const { envVar } = databases[database];
  const fromEnv = env[envVar];
  if (fromEnv === undefined) return endpointsOf(loadStackConfig(env), 'admin').postgresUrl(database);
  let url: URL;
  try {
    url = new URL(fromEnv);
  } catch {
    throw new Error(`${envVar} is not a valid URL`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`${envVar} must be a postgres:// or postgresql:// URL, got ${url.protocol}//...`);
  }
  if (url.pathname.length <= 1) throw new Error(`${envVar} must name a database (postgres://host/<database>)`);
  return fromEnv;
}

/** The URL without its password, for messages. */
function redact(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

export async function main(args: string[]): Promise<void> {
  for (const database of parseTargets(args)) {
    const databaseUrl = resolveDatabaseUrl(database);
    const { migrationsDir } = databases[database];
    console.log(`${database}: ${redact(databaseUrl)}`);
    const { applied, alreadyApplied } = await applyMigrations({
      databaseUrl,
      migrationsDir,
      log: (message) => console.log(`${database}: ${message}`),
    });
    console.log(
      `${database}: ${applied.length} applied${applied.length ? ` (${applied.join(', ')})` : ''}, ` +
        `${alreadyApplied.length} already applied`,
    );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`migrate: ${messageOf(error)}`);
    process.exitCode = 1;
  });
}
