import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@outbox/config';

/**
 * `npm run status | head` and the like: the reader closes the pipe before the command writes.
 * Each command must end quietly with its own exit code, not crash on an unhandled EPIPE.
 */
const commands: [string, string[]][] = [
  ['stack/src/cli.ts', ['status', '--profile', 'test']],
  ['ops/src/cli.ts', []],
  ['connect/src/cli.ts', ['status']],
  ['streamer/src/dlq/cli.ts', ['list']],
];

function runWithClosedStdout(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Like `| head` that has read enough: the read end is gone before anything is written.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe.each(commands)('%s %p with its stdout closed by the reader', (script, args) => {
  it('ends without an EPIPE crash', async () => {
    const { code, stderr } = await runWithClosedStdout(script, args);
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    // Node exits with 1 on an unhandled error too; the commands' own codes are 0, 1 (degraded) or 2.
    expect([0, 1, 2]).toContain(code);
  }, 60_000);
});
