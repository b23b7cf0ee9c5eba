import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StackConfig } from '@outbox/config';
import { StackError } from './errors';
import { onPath } from './install';
import { tailOf } from './processes';

export const pomFile = join(__dirname, '..', 'maven', 'pom.xml');

export interface MavenFetch {
  component: string;
  /** Maven profile in stack/maven/pom.xml that fetches this component. */
  profile: string;
  /** -D properties: the pinned versions and the output folder property. */
  properties: Record<string, string>;
  /** The folder the profile fills; cached: fetched only when its marker is missing. */
  targetDir: string;
  /** Property naming the output folder. */
  targetProperty: string;
}

/**
 * Resolves a pinned set of artifacts from Maven Central into the cache. The marker file
 * records the properties and the pom used, so a version or dependency change refetches and a warm cache downloads
 * nothing. Output goes to a temporary folder first: a broken download never looks complete.
 */
export async function fetchFromMaven(config: StackConfig, fetch: MavenFetch): Promise<string> {
  const marker = join(fetch.targetDir, '.fetched');
  // What was asked for: the versions and the pom itself (a dependency added to a profile refetches).
  const pomHash = createHash('sha256').update(readFileSync(pomFile)).digest('hex').slice(0, 16);
  const fingerprint = JSON.stringify({ profile: fetch.profile, ...fetch.properties, pom: pomHash });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === fingerprint) return fetch.targetDir;
  if (!onPath('mvn')) {
    throw new StackError(
      fetch.component,
      'needs Maven (mvn) to download its jars from Maven Central; install it (apt-get install maven)',
    );
  }
  const staging = `${fetch.targetDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(fetch.targetDir), { recursive: true });
  mkdirSync(config.logDir, { recursive: true });
  const logFile = join(config.logDir, `download-${fetch.component}.log`);
  const args = ['-B', '-f', pomFile, '-P', fetch.profile, `-D${fetch.targetProperty}=${staging}`];
  for (const [key, value] of Object.entries(fetch.properties)) args.push(`-D${key}=${value}`);
  args.push('package');
  process.stdout.write(
    `  ${fetch.component}: downloading from Maven Central (mvn -P ${fetch.profile}; log ${logFile})\n`,
  );
  const exitCode = await runToLog('mvn', args, logFile);
  if (exitCode !== 0) {
    throw new StackError(
      fetch.component,
      `download from Maven Central failed (mvn exited ${exitCode})`,
      logFile,
      tailOf(logFile, 20),
    );
  }
  rmSync(fetch.targetDir, { recursive: true, force: true });
  renameSync(staging, fetch.targetDir);
  writeFileSync(marker, fingerprint);
  return fetch.targetDir;
}

function runToLog(command: string, args: string[], logFile: string): Promise<number> {
  const log = openSync(logFile, 'w');
  return new Promise<number>((resolvePromise) => {
    const child = spawn(command, args, { stdio: ['ignore', log, log] });
    child.once('error', () => resolvePromise(127));
    child.once('exit', (code) => resolvePromise(code ?? 1));
  }).finally(() => closeSync(log));
}
