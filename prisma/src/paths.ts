import { join } from 'node:path';

/** The package folder (prisma/), from src/ under tsx and ts-jest alike. */
export const packageDir = join(__dirname, '..');

export const commerceSchemaPath = join(packageDir, 'commerce', 'schema.prisma');
export const streamerSchemaPath = join(packageDir, 'streamer', 'schema.prisma');

/** Prisma-layout migration folders (`<name>/migration.sql` + `migration_lock.toml`). */
export const commerceMigrationsDir = join(packageDir, 'commerce', 'migrations');
export const streamerMigrationsDir = join(packageDir, 'streamer', 'migrations');
