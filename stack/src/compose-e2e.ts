import { spawnSync } from 'node:child_process';
import { repoRoot } from '@outbox/config';

/**
 * `npm run test:e2e:compose`: the same end-to-end suite, against the docker-compose stack.
 * Brings it up (waiting for health checks), runs the e2e tests with the compose addresses,
 * tears it down. Without a Docker engine it says so and fails: no pretending.
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit', env });
  return result.status ?? 1;
}

function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return undefined;
}

function main(): number {
  const engine = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  if (engine.status !== 0) {
    const why = (engine.stderr || String(engine.error ?? 'docker not found')).trim().split('\n').pop();
    console.error(`✗ test:e2e:compose needs a running Docker engine, and none answers here (${why}).`);
    console.error('  Use the native stack instead: npm test');
    return 1;
  }
  const compose = composeCommand();
  if (!compose) {
    console.error(
      '✗ test:e2e:compose needs Docker Compose ("docker compose" or "docker-compose"); neither is installed.',
    );
    return 1;
  }
  const [bin, ...base] = compose as [string, ...string[]];
  const project = ['-p', 'outbox-e2e', '-f', 'docker-compose.yml'];
  if (run(bin, [...base, ...project, 'up', '--build', '--detach', '--wait']) !== 0) {
    run(bin, [...base, ...project, 'logs', '--tail', '50']);
    run(bin, [...base, ...project, 'down', '--volumes']);
    return 1;
  }
  const env = {
    ...process.env,
    STACK_PROFILE: 'dev',
    STACK_HOST: process.env.STACK_HOST ?? 'localhost',
    PG_HOST_FOR_CONNECT: 'postgres',
  };
  const code = run('npx', ['jest', 'e2e/test', 'api/test', 'ops/test'], env);
  run(bin, [...base, ...project, 'down', '--volumes']);
  return code;
}

process.exit(main());
