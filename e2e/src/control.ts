import { spawnSync } from 'node:child_process';
import { loadVersions, repoRoot, runningPid, stackComponents, up, type Component } from '@outbox/stack';
import { stack } from './index';

/**
 * Stops and starts real servers of the stack under test, for restart and crash tests: the
 * native launcher's processes, or the compose containers when STACK_MODE=compose.
 */
const compose = process.env.STACK_MODE === 'compose';

function component(name: string): Component {
  const found = stackComponents({ config: stack, versions: loadVersions() }).find((c) => c.name === name);
  if (!found) throw new Error(`no stack component "${name}"`);
  return found;
}

/** Kills a server the hard way (SIGKILL), as a crash would. */
export function killServer(name: string): void {
  if (compose) {
    runCompose(['kill', '-s', 'SIGKILL', name]);
    return;
  }
  const pid = runningPid(component(name).process);
  if (pid === undefined) throw new Error(`${name} is not running`);
  process.kill(pid, 'SIGKILL');
}

/** Starts a server again and waits until it is healthy. */
export async function startServer(name: string): Promise<void> {
  if (compose) {
    runCompose(['up', '--detach', '--wait', name]);
    return;
  }
  const all = stackComponents({ config: stack, versions: loadVersions() });
  await up(all, stack.startTimeoutMs, [name]);
}

function runCompose(args: string[]): void {
  const result = spawnSync('docker', ['compose', '-p', 'outbox-e2e', '-f', 'docker-compose.yml', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`docker compose ${args.join(' ')} failed: ${result.stderr}`);
}
