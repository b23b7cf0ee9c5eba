import './topology'; // first: e2e reads the stack's configuration when it is loaded
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runClusterProof, summarizeClusterProof, type ClusterFault } from './proof';

/**
 * The cluster proof (docs/cluster.md) on the cluster topology of the native stack, which must be
 * up (npm run stack:up -- --topology cluster); the api and a streamer with run-specific groups
 * are started and stopped by the run. STACK_TOPOLOGY defaults to cluster here (./topology).
 *
 *   npx tsx e2e/src/cluster/cli.ts [--faults kafka-leader,kafka-controller,connect-task] [--seed n]
 *   CONNECT_EXACTLY_ONCE=false ...   (the workers must have been started with the same setting)
 */
const FAULTS = ['kafka-leader', 'kafka-controller', 'kafka-coordinator', 'connect-task'];
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
const faults = (value: string): ClusterFault[] => {
  const list = value.split(',').map((f) => f.trim());
  const unknown = list.filter((f) => !FAULTS.includes(f));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown fault(s) ${unknown.join(', ')}; known: ${FAULTS.join(', ')}`);
  return list as ClusterFault[];
};

const program = new Command('cluster-proof')
  .description(
    "on the cluster topology: kill (SIGKILL) the broker leading the probe's partition, the active controller, the broker hosting the Connect group's coordinator and the Connect worker running the task, under load; measure recovery; count duplicate records; check loss, order, drift",
  )
  .option('--faults <list>', `faults in order (${FAULTS.join(', ')})`, faults, [
    'kafka-leader',
    'kafka-controller',
    'kafka-coordinator',
    'connect-task',
    'connect-task',
  ])
  .option('--seed <n>', 'workload seed', positive)
  .option('--settle <s>', 'seconds of normal load before the first fault and after each recovery', positive, 10)
  .option('--products <n>', 'products the workload spreads over', positive, 30)
  .option('--concurrency <n>', 'concurrent HTTP clients', positive, 4)
  .option('--report <file>', 'also write the report as JSON')
  .action(async (o) => {
    const report = await runClusterProof({
      seed: (o.seed as number | undefined) ?? Math.floor(Math.random() * 1_000_000),
      faults: o.faults as ClusterFault[],
      settleMs: (o.settle as number) * 1000,
      products: o.products as number,
      concurrency: o.concurrency as number,
      log: (line) => console.log(line),
    });
    console.log(`\n${summarizeClusterProof(report)}`);
    const file = o.report as string | undefined;
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`report: ${file}`);
    }
    process.exitCode = report.passed ? 0 : 1;
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`cluster proof failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 2;
});
