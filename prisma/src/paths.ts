import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The package folder (prisma/): the nearest folder above this file with a package.json. That is
 * one level up from src/ under tsx and ts-jest, and two from dist/src/ once compiled (the build
 * keeps src/ and generated/ side by side under dist/, so `../generated/...` imports still resolve).
 */
function findPackageDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const packageDir = findPackageDir(__dirname);

export const commerceSchemaPath = join(packageDir, 'commerce', 'schema.prisma');
export const streamerSchemaPath = join(packageDir, 'streamer', 'schema.prisma');

/** Prisma-layout migration folders (`<name>/migration.sql` + `migration_lock.toml`). */
export const commerceMigrationsDir = join(packageDir, 'commerce', 'migrations');
export const streamerMigrationsDir = join(packageDir, 'streamer', 'migrations');
