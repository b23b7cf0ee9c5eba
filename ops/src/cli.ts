import { messageOf } from '@outbox/config';
import { Command, Option } from 'commander';
import { loadStatusConfig, pipelineStatus, renderStatus, statusAsPrometheus } from './status';

// `npm run status | head` closes our stdout early: that is not an error (the exit code stays ours).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

/**
 * npm run status [-- --json | --prometheus]: the whole pipeline in one view.
 * Exit code 0 only when healthy, 1 when degraded, 2 when the command itself failed.
 */
const program = new Command('status')
  .description('connector, replication slot, outbox, topics, consumer groups and DLQ, with a verdict')
  .addOption(new Option('--json', 'print the report as JSON (for scripts)').conflicts('prometheus'))
  .addOption(new Option('--prometheus', 'print the report in Prometheus text format (textfile collector)'))
  .option('--profile <profile>', 'stack profile whose addresses to use (dev or test)')
  .action(async (options: { json?: boolean; prometheus?: boolean; profile?: string }) => {
    const env = options.profile ? { ...process.env, STACK_PROFILE: options.profile } : process.env;
    const report = await pipelineStatus(loadStatusConfig(env));
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else if (options.prometheus) process.stdout.write(await statusAsPrometheus(report));
    else console.log(renderStatus(report));
    process.exitCode = report.verdict === 'healthy' ? 0 : 1;
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`status failed: ${messageOf(err)}`);
  process.exitCode = 2;
});
