import { Command } from 'commander';
import { clientLoginsFromEnv, endpointsOf, loadStackConfig, messageOf } from '@outbox/config';
import { applyConnector } from './apply';
import { loadConnector } from './connector';
import { connectClientOf, type ConnectClient } from './rest';

// `npm run connect -- status | head` closes our stdout early: that is not an error (the exit code stays ours).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

/** npm run connect -- apply|status|restart : the outbox connector through the Kafka Connect REST API. */
const stack = loadStackConfig();
const connector = loadConnector(stack);
const endpoints = endpointsOf(stack, 'admin');
const connectClient = async (): Promise<ConnectClient> =>
  connectClientOf(endpoints.connectUrls, clientLoginsFromEnv(process.env, endpoints).connectLogin);
const program = new Command('connect').description('manage the Debezium outbox connector');

program
  .command('apply')
  .description(
    'create the missing topics (refuses to change the partition count of an existing one, exit 1), register or update the connector (idempotent), wait until RUNNING',
  )
  .action(async () => {
    const result = await applyConnector(stack);
    if (result.topicsCreated.length > 0) console.log(`topics created: ${result.topicsCreated.join(', ')}`);
    for (const { topic, replicas, wantedReplicas } of result.underReplicated)
      console.warn(
        `warning: ${topic} has ${replicas} replica(s), the configuration wants ${wantedReplicas}; apply does not move replicas (kafka-reassign-partitions does)`,
      );
    console.log(
      `${result.name}: ${result.configChanged ? 'config applied' : 'config unchanged'}; RUNNING (${result.status.tasks.length} task)`,
    );
  });

program
  .command('status')
  .description('connector and task states, with the trace of a failed task; exit 0 only when all RUNNING')
  .action(async () => {
    const client = await connectClient();
    const status = await client.status(connector.name);
    if (!status) {
      console.log(`${connector.name}: not registered (run: npm run connect -- apply)`);
      process.exitCode = 1;
      return;
    }
    console.log(`${status.name}: ${status.connector.state} on ${status.connector.worker_id}`);
    for (const task of status.tasks) {
      console.log(`  task ${task.id}: ${task.state} on ${task.worker_id}`);
      if (task.trace)
        console.log(
          task.trace
            .split('\n')
            .slice(0, 8)
            .map((l) => `    ${l}`)
            .join('\n'),
        );
    }
    const running =
      status.connector.state === 'RUNNING' &&
      status.tasks.length > 0 &&
      status.tasks.every((t) => t.state === 'RUNNING');
    process.exitCode = running ? 0 : 1;
  });

program
  .command('restart')
  .description('restart the connector and its failed tasks, then wait until RUNNING')
  .option('--all-tasks', 'restart every task, not only the failed ones', false)
  .action(async (opts: { allTasks: boolean }) => {
    const client = await connectClient();
    await client.restart(connector.name, !opts.allTasks);
    const status = await client.waitForRunning(connector.name);
    console.log(`${status.name}: RUNNING (${status.tasks.length} task)`);
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`✗ ${messageOf(err)}`);
  process.exit(1);
});
