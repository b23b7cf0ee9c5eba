import { spawn } from 'node:child_process';
import { repoRoot } from '@outbox/config';

/** Runs one of the repository's own commands (tsx <script> ...args), output passed through. */
function runScript(script: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: repoRoot,
      env: { ...process.env, STACK_PROFILE: 'dev' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${script} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/**
 * What `npm start` does before the services: the dev stack up (idempotent), both databases
 * migrated, the connector applied and streaming.
 */
export async function ensureDevStack(): Promise<void> {
  await runScript('stack/src/cli.ts', ['up']);
  await runScript('prisma/src/cli.ts', ['all']);
  await runScript('connect/src/cli.ts', ['apply']);
}
