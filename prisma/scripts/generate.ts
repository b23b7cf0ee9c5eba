/**
 * Generates both Prisma clients into prisma/generated/<name> (`npm run generate -w @outbox/db`,
 * also the first step of `npm run build -w @outbox/db`).
 *
 * 1. `prisma generate`. It needs no database and no native engine in Prisma 7 (the client's query
 *    compiler is WebAssembly), but the CLI still insists on locating the native schema engine at
 *    start-up and would try to download it. Install scripts are denied here and there is no
 *    network, so PRISMA_SCHEMA_ENGINE_BINARY points at an existing file (this node binary): generate
 *    never runs it.
 * 2. The `prisma-client` generator writes TypeScript that loads its WebAssembly query compiler with
 *    `await import(...)`. Compiled with this repo's `module: node16`, a CommonJS file keeps that
 *    dynamic import, which jest refuses without --experimental-vm-modules. So each generated .ts
 *    also gets a CommonJS .js beside it (`import()` becomes `require()`): TypeScript takes its
 *    types from the .ts (it prefers .ts), while node, tsx and jest (js first in
 *    moduleFileExtensions) run the .js, with no transform.
 *
 * The result is deterministic and free of absolute paths, so it is committed;
 * test/generated.test.ts regenerates into a temp folder and fails on any difference.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { commerceSchemaPath, streamerSchemaPath } from '../src/paths';

export const schemaPaths = { commerce: commerceSchemaPath, streamer: streamerSchemaPath } as const;

/** The generator's `output`, resolved like Prisma does (relative to the schema file). */
export function outputDirOf(schemaPath: string): string {
  const output = /^\s*output\s*=\s*"([^"]+)"/m.exec(readFileSync(schemaPath, 'utf8'))?.[1];
  if (output === undefined) throw new Error(`${schemaPath} has no generator output`);
  return resolve(dirname(schemaPath), output);
}

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f))
    .sort();
}

function runPrismaGenerate(schemaPath: string): void {
  const prismaCli = require.resolve('prisma/build/index.js');
  const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schemaPath], {
    cwd: dirname(schemaPath),
    encoding: 'utf8',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `prisma generate --schema ${schemaPath} failed (${result.status}):\n${result.stdout}${result.stderr}`,
    );
  }
}

function addCommonJs(outputDir: string): void {
  const sources = filesUnder(outputDir, '.ts').filter((f) => !f.endsWith('.d.ts'));
  if (sources.length === 0) throw new Error(`prisma generate wrote no TypeScript into ${outputDir}`);
  for (const source of sources) {
    // A pure syntax transform per file: no type information and no module resolution, so the
    // output depends only on the file's text.
    const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
      fileName: source,
      reportDiagnostics: false,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        newLine: ts.NewLineKind.LineFeed,
      },
    });
    writeFileSync(source.replace(/\.ts$/, '.js'), outputText);
  }
}

/**
 * Regenerates one client; returns its output folder. The client is generated into a scratch
 * folder beside the output (the schema copied with the same relative layout, so the embedded
 * text is identical), then swapped in: a generation that fails leaves the committed client as
 * it was, never a half-deleted folder.
 */
export function generateClient(schemaPath: string): string {
  const outputDir = outputDirOf(schemaPath);
  const parent = dirname(outputDir);
  mkdirSync(parent, { recursive: true });
  const scratch = mkdtempSync(join(parent, '.generating-'));
  try {
    const scratchSchema = join(scratch, 'schema', basename(schemaPath));
    mkdirSync(dirname(scratchSchema));
    copyFileSync(schemaPath, scratchSchema);
    const fresh = outputDirOf(scratchSchema);
    if (relative(scratch, fresh).startsWith('..'))
      throw new Error(`${schemaPath}: its output must sit one folder up from the schema's, got ${fresh}`);
    runPrismaGenerate(scratchSchema);
    addCommonJs(fresh);
    if (existsSync(outputDir)) renameSync(outputDir, join(scratch, 'previous'));
    renameSync(fresh, outputDir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return outputDir;
}

if (require.main === module) {
  for (const [name, schemaPath] of Object.entries(schemaPaths)) {
    const outputDir = generateClient(schemaPath);
    console.log(`generated the ${name} client into ${outputDir}`);
  }
}
