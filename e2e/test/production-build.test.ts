import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { repoRoot } from '@outbox/config';
import { parse } from 'yaml';
import { eventually, freePort, startGroupsAtEnd, uniqueName } from '../src';

/**
 * The api and streamer images without a Docker engine: each Dockerfile is read, its build stage's
 * build command runs in this checkout, and its production stage is replayed step by step in a clean
 * folder (COPY from the context or from the build stage, RUN, ENV, then CMD), so the test and the
 * Dockerfile cannot drift apart. The services then start with plain `node` against the test stack
 * and must answer /ready, with no TypeScript tooling installed and nothing resolved from this
 * checkout's node_modules (the copy lives under the system temp folder).
 */

interface Stage {
  name: string;
  workdir: string;
  steps: { instruction: string; args: string }[];
}

/** The stages of a Dockerfile: instructions with their arguments (continuation lines joined). */
function parseDockerfile(path: string): Stage[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, instruction = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = instruction.toUpperCase();
    if (upper === 'FROM') {
      stages.push({ name: /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? String(stages.length), workdir: '/', steps: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) throw new Error(`${path}: ${instruction} before FROM`);
    if (upper === 'WORKDIR') stage.workdir = args;
    // RUN --mount=type=cache,... (BuildKit's npm cache) changes nothing outside a build.
    stage.steps.push({ instruction: upper, args: upper === 'RUN' ? args.replace(/^(--mount=\S+\s+)+/, '') : args });
  }
  return stages;
}

function stageOf(stages: Stage[], name: string): Stage {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage "${name}" (have ${stages.map((s) => s.name).join(', ')})`);
  return found;
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The environment of a replayed container: its ENV lines over a minimal host environment. */
function containerEnv(image: ReplayedImage, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...image.env, ...extra };
  // The addresses of the stack under test (profile, host, port overrides), as compose would pass them.
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(STACK_|PG_|REDIS_|KAFKA_|REGISTRY_|CONNECT_)/.test(key) && value !== undefined) env[key] ??= value;
  }
  return env;
}

interface ReplayedImage {
  dir: string;
  env: Record<string, string>;
  user: string | undefined;
  cmd: string[];
}

/**
 * Replays a production stage in a temp folder. `COPY --from` takes files from this checkout, once
 * `built` (the build stage, running meanwhile) has resolved.
 */
async function replayStage(stage: Stage, buildWorkdir: string, built: Promise<void>): Promise<ReplayedImage> {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-image-'));
  try {
    return await replaySteps(stage, buildWorkdir, built, dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function replaySteps(
  stage: Stage,
  buildWorkdir: string,
  built: Promise<void>,
  dir: string,
): Promise<ReplayedImage> {
  const image: ReplayedImage = { dir, env: {}, user: undefined, cmd: [] };
  for (const { instruction, args } of stage.steps) {
    if (instruction === 'COPY') {
      // COPY [--from=stage] <source>... <dest>: a dest ending in / is a folder for the sources.
      const from = /--from=(\S+)/.exec(args)?.[1];
      if (from) await built;
      const words = args.split(/\s+/).filter((a) => !a.startsWith('--'));
      const dest = words.pop() ?? '';
      for (const source of words) {
        const relative = from ? source.replace(new RegExp(`^${buildWorkdir}/`), '') : source;
        const src = join(repoRoot, relative);
        if (!existsSync(src)) throw new Error(`COPY ${args}: ${src} does not exist (is the build complete?)`);
        cpSync(src, dest.endsWith('/') ? join(dir, dest, basename(source)) : join(dir, dest), { recursive: true });
      }
    } else if (instruction === 'RUN') {
      // Replayed on this machine, so only what a clean folder can take: a plain npm ci.
      if (!/^npm ci(\s+[\w@/=.-]+)*$/.test(args)) throw new Error(`cannot replay RUN ${args} outside Docker`);
      const npmSettings = Object.entries(process.env).filter(([key]) => /^npm_config_(cache|registry)$/i.test(key));
      const result = await run(args, dir, {
        ...containerEnv(image),
        ...Object.fromEntries(npmSettings),
        // The registry is reachable, but the local npm cache answers first.
        npm_config_prefer_offline: 'true',
      });
      if (result.code !== 0) throw new Error(`RUN ${args} failed (${result.code}):\n${result.output.slice(-4000)}`);
    } else if (instruction === 'ENV') {
      const [, key = '', value = ''] = /^(\S+?)[=\s]+(.*)$/.exec(args) ?? [];
      image.env[key] = value;
    } else if (instruction === 'USER') {
      image.user = args;
    } else if (instruction === 'CMD') {
      image.cmd = JSON.parse(args) as string[];
    }
  }
  return image;
}

/** Files of the image outside node_modules, relative to its folder. */
function ownFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((entry) => entry !== 'node_modules')
    .flatMap((entry) =>
      statSync(join(dir, entry)).isDirectory()
        ? readdirSync(join(dir, entry), { recursive: true, encoding: 'utf8' }).map((f) => join(entry, f))
        : [entry],
    );
}

interface Started {
  url: string;
  child: ChildProcess;
  output(): string;
}

async function startImage(image: ReplayedImage, env: Record<string, string>, port: number): Promise<Started> {
  const [bin = '', ...args] = image.cmd;
  const child = spawn(bin, args, {
    cwd: image.dir,
    env: containerEnv(image, { LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    `${image.cmd.join(' ')} ready at ${url}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output}`);
      const res = await fetch(`${url}/ready`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    60_000,
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${err instanceof Error ? err.message : String(err)}\noutput:\n${output.slice(-4000)}`);
  });
  return { url, child, output: () => output };
}

async function stop(started: Started | undefined): Promise<void> {
  const child = started?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

const images = ['api', 'streamer'] as const;
const dockerfiles = Object.fromEntries(
  images.map((name) => [name, parseDockerfile(join(repoRoot, name, 'Dockerfile'))]),
) as Record<(typeof images)[number], Stage[]>;
const replayed: Partial<Record<(typeof images)[number], ReplayedImage>> = {};
const started: Started[] = [];

beforeAll(async () => {
  // The build stage: its commands after the full install, run in this checkout (turbo's cache
  // makes this a no-op after `npm run build`), while the image stages install their dependencies.
  const built = (async () => {
    for (const name of images) {
      const build = stageOf(dockerfiles[name], 'build');
      for (const { instruction, args } of build.steps) {
        if (instruction !== 'RUN' || /^npm ci\b/.test(args)) continue;
        if (!/^(npm run build|npx turbo run build)(\s+[\w@/=.-]+)*$/.test(args)) {
          throw new Error(`${name} build: cannot replay RUN ${args} in this checkout`);
        }
        const result = await run(args, repoRoot, process.env);
        if (result.code !== 0) throw new Error(`${name} build: ${args} failed:\n${result.output.slice(-4000)}`);
      }
    }
  })();
  built.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  // The production stages, both at once (they mostly wait on the disk and the npm cache).
  await Promise.all(
    images.map(async (name) => {
      const build = stageOf(dockerfiles[name], 'build');
      replayed[name] = await replayStage(stageOf(dockerfiles[name], 'production'), build.workdir, built);
    }),
  );
  await built;
}, 170_000);

afterAll(async () => {
  await Promise.all(started.map(stop));
  for (const image of Object.values(replayed)) rmSync(image.dir, { recursive: true, force: true });
});

describe.each(images)('the %s image', (name) => {
  const image = (): ReplayedImage => {
    const found = replayed[name];
    if (!found) throw new Error(`the ${name} image was not replayed`);
    return found;
  };

  it('holds production dependencies and compiled JavaScript only, and runs as a non-root user', () => {
    const { dir, env, user, cmd } = image();
    expect(env.NODE_ENV).toBe('production');
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(cmd[0]).toBe('node');
    for (const devOnly of ['tsx', 'typescript', 'ts-jest', 'jest', 'turbo', 'prisma', 'eslint']) {
      expect({ devOnly, installed: existsSync(join(dir, 'node_modules', devOnly)) }).toEqual({
        devOnly,
        installed: false,
      });
    }
    const sources = ownFiles(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    expect(sources).toEqual([]);
  });

  if (name === 'api') {
    it('runs the compose setup (migrations, connector) and serves /ready with plain node', async () => {
      const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
        services: Record<string, { command?: string[]; build?: { dockerfile?: string } }>;
      };
      const setup = compose.services.setup;
      expect(setup?.build?.dockerfile).toBe('api/Dockerfile');
      const [shell = '', ...shellArgs] = setup?.command ?? [];
      expect(shell).toBe('sh');
      const result = await run(shellArgs.slice(1).join(' '), image().dir, containerEnv(image()));
      expect({ code: result.code, output: result.output.slice(-2000) }).toEqual({
        code: 0,
        output: expect.any(String),
      });

      const port = await freePort();
      const api = await startImage(image(), { API_PORT: String(port) }, port);
      started.push(api);
      const res = await fetch(`${api.url}/ready`);
      expect(res.status).toBe(200);
      // A write through the compiled Prisma client (its WebAssembly query compiler) and the outbox.
      const created = await fetch(`${api.url}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'compiled', price: 100, stock: 1 }),
      });
      expect(created.status).toBe(201);
    }, 90_000);
  } else {
    it('serves /ready with plain node, a member of both consumer groups', async () => {
      const groups = { METRICS_GROUP_ID: uniqueName('image-metrics'), CACHE_GROUP_ID: uniqueName('image-cache') };
      await startGroupsAtEnd(Object.values(groups));
      const port = await freePort();
      const streamer = await startImage(image(), { ...groups, STREAMER_PORT: String(port) }, port);
      started.push(streamer);
      const body = (await (await fetch(`${streamer.url}/ready`)).json()) as { checks: Record<string, string> };
      expect(body.checks).toEqual(
        expect.objectContaining({
          [`kafka group ${groups.METRICS_GROUP_ID}`]: 'ok',
          [`kafka group ${groups.CACHE_GROUP_ID}`]: 'ok',
        }),
      );
    }, 90_000);
  }
});

// The data files sit where the compiled code looks for them (relative to dist/); the runtime
// configuration is in the image, the development launcher is not (the services above answered
// /ready without it).
it('copies the data files the compiled code reads, and no launcher', () => {
  for (const name of images) {
    const { dir } = replayed[name] as ReplayedImage;
    expect(existsSync(join(dir, 'events', 'schemas'))).toBe(true);
    expect(existsSync(join(dir, 'config', 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(dir, 'stack', 'dist'))).toBe(false);
  }
  const api = (replayed.api as ReplayedImage).dir;
  expect(existsSync(join(api, 'connect', 'outbox-connector.json'))).toBe(true);
  expect(existsSync(join(api, 'prisma', 'commerce', 'migrations', 'migration_lock.toml'))).toBe(true);
});
