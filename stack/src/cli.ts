import { Command, Option } from 'commander';
import { loadStackConfig, type StackProfile, type StackTopology, messageOf } from '@outbox/config';
import { StackError } from './errors';
import { describeQuorum } from './quorum';
import { down, stackComponents, statusOf, up } from './stack';
import { loadVersions } from './versions';

// `npm run stack:status | head` closes our stdout early: that is not an error (the exit code stays ours).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const profileOption = new Option(
  '--profile <profile>',
  'dev (default ports) or test (ports + 10000, own data)',
).choices(['dev', 'test']);

const topologyOption = new Option(
  '--topology <topology>',
  'single (default: one Kafka node, one Connect worker) or cluster (3 Kafka nodes, 2 Connect workers, own ports and home); or STACK_TOPOLOGY',
).choices(['single', 'cluster']);

interface CommonOptions {
  profile?: StackProfile;
  topology?: StackTopology;
}

function context({ profile, topology }: CommonOptions) {
  const config = loadStackConfig(process.env, profile, topology);
  const versions = loadVersions();
  return { config, versions, components: stackComponents({ config, versions }) };
}

const program = new Command('stack').description('The native stack: real servers as plain processes, no Docker');

program
  .command('up')
  .description('start every server in order, each only when the previous ones are healthy (idempotent)')
  .argument('[components...]', 'only these components (their dependencies must already be healthy)')
  .addOption(profileOption)
  .addOption(topologyOption)
  .action(async (only: string[], opts: CommonOptions) => {
    const { config, components } = context(opts);
    const unknown = only.filter((name) => !components.some((c) => c.name === name));
    if (unknown.length > 0)
      throw new StackError(
        'stack',
        `unknown component(s): ${unknown.join(', ')}; known: ${components.map((c) => c.name).join(', ')}`,
      );
    console.log(`stack (${describe(config)}) in ${config.home}`);
    const started = Date.now();
    const reports = await up(components, config.startTimeoutMs, only, (line) => console.log(line));
    const fresh = reports.filter((r) => r.action === 'started').length;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      fresh === 0 ? `all healthy; nothing to start (${seconds}s)` : `all healthy in ${seconds}s (${fresh} started)`,
    );
  });

program
  .command('down')
  .description('stop every server (or the named ones): graceful first, forced after a timeout')
  .argument('[components...]', 'only these components (e.g. connect-1 to restart it with another setting)')
  .option('--clean', 'also delete their data (the download cache is kept)', false)
  .addOption(profileOption)
  .addOption(topologyOption)
  .action(async (only: string[], opts: CommonOptions & { clean: boolean }) => {
    const { config, components } = context(opts);
    const unknown = only.filter((name) => !components.some((c) => c.name === name));
    if (unknown.length > 0)
      throw new StackError(
        'stack',
        `unknown component(s): ${unknown.join(', ')}; known: ${components.map((c) => c.name).join(', ')}`,
      );
    const selected = only.length > 0 ? components.filter((c) => only.includes(c.name)) : components;
    await down(selected, config.stopTimeoutMs, opts.clean, (line) => console.log(line));
    if (opts.clean) console.log(`data deleted under ${config.dataDir}`);
  });

program
  .command('status')
  .description('each component with its state, address, pid, version and log file; exit 0 only when all are healthy')
  .option('--json', 'machine-readable output', false)
  .addOption(profileOption)
  .addOption(topologyOption)
  .action(async (opts: CommonOptions & { json: boolean }) => {
    const { config, versions, components } = context(opts);
    const statuses = await Promise.all(components.map(statusOf));
    if (opts.json) {
      console.log(JSON.stringify(statuses, null, 2));
    } else {
      console.log(`stack (${describe(config)}) in ${config.home}`);
      const rows = statuses.map((s) => [
        s.name,
        s.state,
        s.address,
        s.pid ? String(s.pid) : '-',
        s.version ?? '-',
        s.logFile,
      ]);
      const header = ['COMPONENT', 'STATE', 'ADDRESS', 'PID', 'VERSION', 'LOG'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      for (const row of [header, ...rows])
        console.log(
          row
            .map((cell, i) => cell.padEnd(widths[i] ?? 0))
            .join('  ')
            .trimEnd(),
        );
      if (config.topology === 'cluster' && statuses.some((s) => s.name.startsWith('kafka-') && s.state !== 'stopped')) {
        const quorum = await describeQuorum(config, versions);
        const name = (id: number): string => config.kafka.nodes.find((n) => n.id === id)?.name ?? `node ${id}`;
        console.log(
          quorum
            ? `KRaft quorum: active controller ${name(quorum.leaderId)} (epoch ${quorum.leaderEpoch}), voters ${quorum.voters.map(name).join(', ')}`
            : 'KRaft quorum: no controller answers',
        );
      }
    }
    process.exitCode = statuses.every((s) => s.state === 'healthy') ? 0 : 1;
  });

/** "dev, single" or "dev, cluster: 3 Kafka nodes, RF 3, min ISR 2, 2 Connect workers, exactly-once". */
function describe(config: ReturnType<typeof loadStackConfig>): string {
  const { kafka, connect } = config;
  if (config.topology === 'single') return `${config.profile}, single${connect.exactlyOnce ? ', exactly-once' : ''}`;
  return [
    `${config.profile}, cluster: ${kafka.nodes.length} Kafka nodes`,
    `RF ${kafka.replicationFactor}, min ISR ${kafka.minInsyncReplicas}`,
    `${connect.workers.length} Connect workers${connect.exactlyOnce ? ', exactly-once' : ''}`,
  ].join(', ');
}

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof StackError ? err.describe() : `✗ ${messageOf(err)}`);
  process.exit(1);
});
