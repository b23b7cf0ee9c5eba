import { messageOf } from '@outbox/config';
import { Command } from 'commander';
import { loggerOptions } from '@outbox/telemetry';
import pino from 'pino';
import { loadStreamerConfig } from '../config';
import type { DeadLetterFilter } from './dead-letters';
import { DeadLetterDesk } from './desk';
import { DeadLetterError } from './replay';

// `npm run dlq -- list | head` closes our stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** npm run dlq -- list | replay <id> | discard <id> */
const program = new Command('dlq').description('the sequenced dead-letter queue of the streamer');

function parseId(raw: string): bigint {
  if (!/^\d+$/.test(raw)) throw new DeadLetterError(`dead letter id must be a positive integer, got "${raw}"`);
  return BigInt(raw);
}

program
  .command('list')
  .description('parked records in queue order: group, topic, partition, offset')
  .option('--status <status>', 'new | replayed | discarded | all', 'new')
  .option('--group <group>', 'only this consumer group')
  .option('--aggregate <id>', 'only this aggregate (its queue)')
  .option('--json', 'machine-readable output', false)
  .action(async (opts: { status: string; group?: string; aggregate?: string; json: boolean }) => {
    if (!['new', 'replayed', 'discarded', 'all'].includes(opts.status))
      throw new DeadLetterError(`--status must be new, replayed, discarded or all`);
    const desk = new DeadLetterDesk(loadStreamerConfig());
    try {
      const filter = {
        status: opts.status as DeadLetterFilter['status'],
        group: opts.group,
        aggregate: opts.aggregate,
      };
      const view = await desk.list(filter, 500);
      if (opts.json) console.log(JSON.stringify(view, null, 2));
      else if (view.length === 0) console.log('no dead letters');
      else
        for (const v of view)
          console.log(
            `#${v.id}  ${v.status.padEnd(9)} ${v.group}  ${v.topic}/${v.partition}@${v.offset}  ${v.aggregateId ?? '-'}  ${v.eventType ?? '-'}  attempts=${v.attempts}  ${v.error.slice(0, 120)}`,
          );
    } finally {
      await desk.close();
    }
  });

for (const action of ['replay', 'discard'] as const) {
  program
    .command(`${action} <id>`)
    .description(
      action === 'replay'
        ? 'apply the head of an aggregate queue again, then release the records parked behind it in order'
        : 'drop the head of an aggregate queue (an explicit operator act), then release the records behind it',
    )
    .action(async (raw: string) => {
      const config = loadStreamerConfig();
      const log = pino({ ...loggerOptions('warn'), base: { service: 'dlq' } });
      const desk = new DeadLetterDesk(config);
      try {
        const report = await desk.act(parseId(raw), action, (fault, attempt) =>
          log.warn(
            { dependency: fault.dependency, attempt, reason: fault.reason },
            'the release waits for a dependency',
          ),
        );
        if (!report.ok) {
          console.error(`✗ #${report.id} failed again and stays parked: ${report.error}`);
          process.exitCode = 1;
          return;
        }
        console.log(
          `✓ #${report.id} ${action === 'replay' ? 'replayed' : 'discarded'}; released ${report.released.length} record(s) behind it${report.released.length ? ` (#${report.released.join(', #')})` : ''}`,
        );
        if (report.newHead !== undefined) {
          console.log(`! #${report.newHead} failed while releasing and now heads the queue: ${report.error}`);
          process.exitCode = 1;
        }
      } finally {
        await desk.close();
      }
    });
}

program.parseAsync().catch((err: unknown) => {
  console.error(`✗ ${messageOf(err)}`);
  process.exit(1);
});
