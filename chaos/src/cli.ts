// First: --topology must reach the environment before the test kit reads the stack under test.
import './topology-flag';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadStackConfig, messageOf } from '@outbox/config';
import { stackComponents, loadVersions, up } from '@outbox/stack';
import { DEPENDENCY_TARGETS, FAULT_TARGETS, KILL_TARGETS, type FaultTarget } from './targets';
import { runChaos } from './run';
import { summarize } from './summary';

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};
const range = (value: string): [number, number] => {
  const [min, max] = value.split('-').map(Number);
  if (min === undefined || max === undefined || !(min > 0) || !(max >= min))
    throw new InvalidArgumentError('must be MIN-MAX in seconds, e.g. 10-20');
  return [min * 1000, max * 1000];
};
const seconds = (value: string): number => positive(value) * 1000;
const targets = (value: string): FaultTarget[] => {
  const list = value.split(',').map((t) => t.trim());
  const unknown = list.filter((t) => !(FAULT_TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown target(s) ${unknown.join(', ')}; choose from ${FAULT_TARGETS.join(', ')}`);
  return list as FaultTarget[];
};

/**
 * npm run chaos [-- options]; the stack (profile, ports, home) comes from the environment, as for
 * `npm run stack`, and `--topology cluster` chooses the cluster (the same as STACK_TOPOLOGY=cluster).
 */
const program = new Command('chaos')
  .description(
    'drive a workload through the api while killing components and failing dependencies, then check no loss, no drift, no DLQ, order kept, no clamp, no stale cache',
  )
  .option('--seed <n>', 'seed of the workload and the fault schedule (printed, to repeat a run)', positive)
  .option('--duration <s>', 'seconds of workload', positive, 300)
  .option('--products <n>', 'products the workload spreads over', positive, 50)
  .option('--members <n>', 'members liking and ordering', positive, 200)
  .option('--concurrency <n>', 'concurrent HTTP clients', positive, 8)
  .option('--fault-every <min-max>', 'seconds between the recovery of one fault and the next', range, [10_000, 25_000])
  .option(
    '--downtime <min-max>',
    'seconds a killed component (or a stopped PostgreSQL) stays down',
    range,
    [2_000, 8_000],
  )
  .option('--outage <s>', 'seconds Redis and the schema registry stay stopped', seconds, 30_000)
  .option('--hold <s>', 'seconds Redis stays paused and the table lock is held', seconds, 15_000)
  .option('--storm-cycles <n>', 'joins and leaves of a second streamer in a rebalance storm', positive, 4)
  .option(
    '--storm-member <min-max>',
    'seconds the second streamer stays in the groups each time',
    range,
    [3_000, 8_000],
  )
  .option('--odd-every <min-max>', 'seconds between two odd records of the hostile producer', range, [1_000, 3_000])
  .option('--no-hostile', 'no hostile producer (odd records written straight into the topics)')
  .option('--readers <n>', 'concurrent readers of GET /products/:id (they fill the product cache)', positive, 2)
  .option(
    '--targets <list>',
    `faults, in a seeded order: kills (${KILL_TARGETS.join(', ')}) and dependency faults (${DEPENDENCY_TARGETS.join(', ')})`,
    targets,
    [...FAULT_TARGETS],
  )
  .option('--topology <name>', 'single (one broker, one worker) or cluster (three brokers, two workers)', (v) => {
    if (v !== 'single' && v !== 'cluster') throw new InvalidArgumentError('must be single or cluster');
    return v;
  })
  .option('--report <file>', 'also write the report as JSON', 'chaos/results/latest.json')
  .action(async (o) => {
    const stack = loadStackConfig();
    // The native stack must be up (it is what the run kills and restarts).
    await up(stackComponents({ config: stack, versions: loadVersions() }), stack.startTimeoutMs);
    const seed = (o.seed as number | undefined) ?? Math.floor(Math.random() * 1_000_000);
    const report = await runChaos({
      seed,
      durationMs: (o.duration as number) * 1000,
      products: o.products as number,
      members: o.members as number,
      concurrency: o.concurrency as number,
      faultEveryMs: o.faultEvery as [number, number],
      downtimeMs: o.downtime as [number, number],
      outageMs: o.outage as number,
      holdMs: o.hold as number,
      stormCycles: o.stormCycles as number,
      stormMemberMs: o.stormMember as [number, number],
      readers: o.readers as number,
      targets: o.targets as FaultTarget[],
      oddEveryMs: o.hostile === false ? undefined : (o.oddEvery as [number, number]),
      log: (line) => console.log(line),
    });
    console.log(`\n${summarize(report)}`);
    const file = o.report as string;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`report: ${file}`);
    process.exitCode = report.passed ? 0 : 1;
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`chaos failed: ${messageOf(err)}`);
  process.exit(2); // without waiting for clients a failed run may have left open
});
