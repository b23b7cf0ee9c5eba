import { canonicalUuid, EventCodec } from '@outbox/events';
import { messageOf } from '@outbox/config';
import { Command, InvalidArgumentError } from 'commander';
import { loadApiConfig } from '../config';
import { createApiDatabase } from '../db/client';
import { createOutboxWriter } from '../outbox/outbox-writer';
import { RECONCILE_DEFAULTS, reconcile, streamerSummaryReader, type ReconcileReport } from './run';

const positive = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${raw}"`);
  return n;
};
const productId = (raw: string, previous: string[] = []): string[] => {
  const id = canonicalUuid(raw);
  if (id === undefined) throw new InvalidArgumentError(`expected a product id (UUID), got "${raw}"`);
  return [...previous, id];
};

/** npm run reconcile [-- --product <id>... --repair --json]: product_metrics against the commerce tables. */
const program = new Command('reconcile')
  .description(
    'write a snapshot of each product through the outbox; the streamer compares its projection with it (or sets it, with --repair); prints what differs. Exit 0: none differ; 1: some differ; 2: some were not checked (blocked behind a dead letter, or the streamer is not applying)',
  )
  .option('--product <id>', 'only this product (repeatable)', productId)
  .option('--repair', 'set the differing counters to the source values (later events apply on top)', false)
  .option(
    '--backfill',
    'rebuild a projection that is empty, or of a consumer group that starts at the end of the topics: --repair for every product',
    false,
  )
  .option('--json', 'print the report as JSON', false)
  .option('--batch-size <n>', 'products per snapshot transaction', positive, RECONCILE_DEFAULTS.batchSize)
  .option('--rate <n>', 'most products snapshotted per second', positive, RECONCILE_DEFAULTS.ratePerSecond)
  .option(
    '--settle <s>',
    'give up waiting when no check arrived for this many seconds',
    positive,
    RECONCILE_DEFAULTS.settleS,
  )
  .option('--limit <n>', 'differences to list', positive, RECONCILE_DEFAULTS.reportLimit)
  .action(
    async (o: {
      product?: string[];
      repair: boolean;
      backfill: boolean;
      json: boolean;
      batchSize: number;
      rate: number;
      settle: number;
      limit: number;
    }) => {
      const config = loadApiConfig();
      if (!config.streamerUrl)
        throw new Error('STREAMER_URL is not set: the streamer reports what its snapshots found');
      const db = createApiDatabase(config);
      try {
        const codec = await EventCodec.connect(config.schemaRegistryUrl);
        const report = await reconcile(db, createOutboxWriter(codec), streamerSummaryReader(config.streamerUrl), {
          mode: o.repair || o.backfill ? 'REPAIR' : 'VERIFY',
          ...(o.product ? { productIds: o.product } : {}),
          batchSize: o.batchSize,
          ratePerSecond: o.rate,
          settleMs: o.settle * 1000,
          reportLimit: o.limit,
          log: o.json ? undefined : (line) => console.error(line),
        });
        console.log(o.json ? JSON.stringify(report, null, 2) : render(report));
        process.exitCode = report.differing > 0 && report.mode === 'VERIFY' ? 1 : report.unchecked > 0 ? 2 : 0;
      } finally {
        await db.$disconnect();
      }
    },
  );

function render(r: ReconcileReport): string {
  const lines = [
    `${r.checked} checked, ${r.differing} differ${r.mode === 'REPAIR' ? `, ${r.repaired} repaired` : ''} (reconcile ${r.reconcileId})`,
    ...r.differences.map(
      (d) => `  ${d.productId} ${d.field}: expected ${d.expected}, found ${d.found}${d.repaired ? ' (repaired)' : ''}`,
    ),
  ];
  if (r.unchecked > 0) {
    lines.push(`${r.unchecked} not checked`);
    for (const p of r.blocked) lines.push(`  ${p} blocked behind a dead letter (npm run dlq -- list --aggregate ${p})`);
  }
  return lines.join('\n');
}

program.parseAsync().catch((err: unknown) => {
  console.error(`reconcile failed: ${messageOf(err)}`);
  process.exit(2);
});
