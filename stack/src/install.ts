import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { StackError } from './errors';

let aptUpdated = false;

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Installs a Debian package when its binary is missing. Services are kept from
 * auto-starting during the install (policy-rc.d exit 101): the stack runs its own
 * private servers, and a system one would take the port.
 */
export function ensureDebianPackage(component: string, pkg: string, present: () => boolean): void {
  if (present()) return;
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    throw new StackError(
      component,
      `is not installed; install the Debian package "${pkg}" (apt-get install ${pkg}) or its equivalent`,
    );
  }
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) {
      run(component, pkg, ['apt-get', 'update', '-qq'], env);
      aptUpdated = true;
    }
    run(component, pkg, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', pkg], env);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  if (!present()) throw new StackError(component, `apt-get installed ${pkg} but its binary is still missing`);
}

function run(component: string, pkg: string, argv: string[], env: NodeJS.ProcessEnv): void {
  process.stdout.write(`  ${component}: ${argv.join(' ')}\n`);
  const [cmd, ...args] = argv as [string, ...string[]];
  const result = spawnSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-10).join('\n');
    throw new StackError(
      component,
      `installing the Debian package ${pkg} failed (${argv.join(' ')} exited ${result.status})`,
      undefined,
      output,
    );
  }
}

/** True when `name` resolves on the PATH. */
export function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
