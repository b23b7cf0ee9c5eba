import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors';

export interface JavaRuntime {
  /** Path of the `java` binary. */
  bin: string;
  major: number;
}

/** Major version of a JDK home, read from its `release` file. */
function majorOfHome(home: string): number | undefined {
  const release = join(home, 'release');
  if (!existsSync(release)) return undefined;
  const match = /JAVA_VERSION="(\d+)(?:\.(\d+))?/.exec(readFileSync(release, 'utf8'));
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

function majorOfPathJava(): number | undefined {
  try {
    const out = execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return parseJavaVersionOutput(out);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr;
    return stderr ? parseJavaVersionOutput(stderr) : undefined;
  }
}

export function parseJavaVersionOutput(text: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

/**
 * Finds a Java runtime of at least `minMajor`: an explicit home from `envVar`, then
 * JAVA_HOME, then `java` on the PATH, then any JDK under /usr/lib/jvm (newest first).
 */
export function findJava(component: string, minMajor: number, envVar: string): JavaRuntime {
  const homes: string[] = [];
  const explicit = process.env[envVar];
  if (explicit) homes.push(explicit);
  if (process.env.JAVA_HOME) homes.push(process.env.JAVA_HOME);
  for (const home of homes) {
    const major = majorOfHome(home);
    if (major !== undefined && major >= minMajor) return { bin: join(home, 'bin', 'java'), major };
  }
  const pathMajor = majorOfPathJava();
  if (pathMajor !== undefined && pathMajor >= minMajor) return { bin: 'java', major: pathMajor };
  const jvmRoot = '/usr/lib/jvm';
  const installed = existsSync(jvmRoot)
    ? readdirSync(jvmRoot)
        .map((dir) => ({ home: join(jvmRoot, dir), major: majorOfHome(join(jvmRoot, dir)) }))
        .filter((j): j is { home: string; major: number } => j.major !== undefined && j.major >= minMajor)
        .sort((a, b) => b.major - a.major)
    : [];
  const best = installed[0];
  if (best) return { bin: join(best.home, 'bin', 'java'), major: best.major };
  const found = pathMajor === undefined ? 'no java on the PATH' : `java ${pathMajor} on the PATH`;
  throw new StackError(
    component,
    `needs Java ${minMajor}+ but found ${found} and none under ${jvmRoot}; install a JDK ${minMajor}+ or set ${envVar}`,
  );
}
