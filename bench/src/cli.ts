import { RECONCILE_DEFAULTS } from '@outbox/api';
import { messageOf } from '@outbox/config';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { EventCodec } from '@outbox/events';
import { endpoints, kafkaClient, stack } from '@outbox/e2e';
import { Client } from 'pg';
import { renderChartSvg } from './chart';
import type { BenchContext, BenchOptions } from './context';
import type { Figures } from './figures';
import { measureCpu, type CpuUsage } from './cpu-usage';
import { gitInfo, machineInfo } from './machine';
import { summarizeProfile, type ProfileEntry } from './profile-summary';
import { consoleReport, markdownReport } from './report';
import { roundedResults, writeResults, type BenchResults } from './results';
import { runApiWrite } from './scenarios/api-write';
import { runCapture } from './scenarios/capture';
import { runE2eLatency, type CurvePoint } from './scenarios/e2e-latency';
import { runPgbench } from './scenarios/pgbench';
import { runPolling } from './scenarios/polling';
import { runReconcileCost } from './scenarios/reconcile';
import { runStreamerMode } from './scenarios/streamer';
import { ensureDevStack } from './setup';
import { computeRatios, evaluateTargets } from './thresholds';

/** In the order they run: the capture-heavy write scenarios last, so no backlog disturbs the others. */
const SCENARIOS = ['e2e', 'streamer', 'capture', 'polling', 'api', 'pgbench', 'reconcile'] as const;
type Scenario = (typeof SCENARIOS)[number];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function rateList(value: string): number[] {
  return value.split(',').map((s) => positiveInt(s.trim()));
}

function scenarioList(value: string): Scenario[] {
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown scenario "${name}" (expected ${SCENARIOS.join(', ')})`);
    }
  }
  return names as Scenario[];
}

function withoutLog(options: BenchOptions): Omit<BenchOptions, 'log'> {
  const copy: Partial<BenchOptions> = { ...options };
  delete copy.log;
  return copy as Omit<BenchOptions, 'log'>;
}

/** Self time per package in each CPU profile this run wrote (file names end in their start time). */
function profilesOf(dir: string, sinceMs: number): { file: string; byPackage: ProfileEntry[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && Number(/-(\d+)\.cpuprofile$/.exec(f)?.[1] ?? 0) >= sinceMs)
    .sort()
    .map((f) => ({ file: join(dir, f), byPackage: summarizeProfile(join(dir, f), 8).owners }));
}

interface CliOptions {
  only?: Scenario[];
  duration: number;
  connections: number;
  captureRows: number;
  captureRowsPerTx: number;
  pollingRows: number;
  e2eRate: number;
  e2eRates: number[];
  e2eDuration: number;
  streamerEvents: number;
  singleEvents: number;
  products: number;
  reconcileProducts: number;
  reconcileRate: number;
  cpuProfile?: string;
  out: string;
  name?: string;
  setup: boolean;
}

const program = new Command('bench')
  .description(
    'The benchmark (docs/performance.md) against the dev stack: figures to bench/results/<name>.{json,md,svg}',
  )
  .option('--only <scenarios>', `comma-separated subset of ${SCENARIOS.join(',')}`, scenarioList)
  .option('--duration <s>', 'api write and pgbench duration', positiveInt, 15)
  .option('--connections <n>', 'HTTP connections and pgbench clients', positiveInt, 32)
  .option('--capture-rows <n>', 'outbox rows for the capture path', positiveInt, 50_000)
  .option('--capture-rows-per-tx <n>', 'outbox rows per INSERT transaction', positiveInt, 5_000)
  .option('--polling-rows <n>', 'rows for the polling baseline (capped at 100/s)', positiveInt, 1_000)
  .option(
    '--e2e-rate <n>',
    'the target offered rate of the latency run (its step gives the e2e_* figures)',
    positiveInt,
    1_000,
  )
  .option('--e2e-rates <list>', 'offered rates of the latency curve, requests/s', rateList, [250, 500, 1_000, 1_500])
  .option('--e2e-duration <s>', 'duration of each step of the latency curve', positiveInt, 20)
  .option('--streamer-events <n>', 'pre-filled events for the batch streamer', positiveInt, 100_000)
  .option('--single-events <n>', 'pre-filled events for the one-event-per-transaction streamer', positiveInt, 100_000)
  .option('--reconcile-products <n>', 'products added for the reconcile cost', positiveInt, 100_000)
  .option(
    '--reconcile-rate <n>',
    "the throttled reconcile's --rate (default: the command's own)",
    positiveInt,
    RECONCILE_DEFAULTS.ratePerSecond,
  )
  .option('--products <n>', 'products the generated events spread over', positiveInt, 1_000)
  .option('--cpu-profile <dir>', 'write V8 CPU profiles of the api and streamer processes here')
  .option('--out <dir>', 'results folder', join(__dirname, '..', 'results'))
  .option('--name <name>', 'results file name (default: latest, or partial with --only)')
  .option('--no-setup', 'skip stack up / migrations / connector apply')
  .action(main);

async function main(cli: CliOptions): Promise<void> {
  if (stack.profile !== 'dev') throw new Error('the benchmark runs against the dev stack only (unset STACK_PROFILE)');
  const scenarios = cli.only ?? [...SCENARIOS];
  const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const options: BenchOptions = {
    connections: cli.connections,
    durationS: cli.duration,
    captureRows: cli.captureRows,
    captureRowsPerTx: cli.captureRowsPerTx,
    pollingRows: cli.pollingRows,
    e2eRatePerS: cli.e2eRate,
    e2eRatesPerS: cli.e2eRates,
    e2eDurationS: cli.e2eDuration,
    streamerBatchEvents: cli.streamerEvents,
    streamerSingleEvents: cli.singleEvents,
    products: cli.products,
    reconcileProducts: cli.reconcileProducts,
    reconcileRatePerS: cli.reconcileRate,
    cpuProfileDir: cli.cpuProfile === undefined ? undefined : resolve(cli.cpuProfile),
    log,
  };
  if (options.cpuProfileDir !== undefined) mkdirSync(options.cpuProfileDir, { recursive: true });
  if (cli.setup) await ensureDevStack();

  const ctx: BenchContext = { options, endpoints, runId: Date.now().toString(36), runStartedMs: Date.now() };
  const commerce = new Client({ connectionString: endpoints.postgresUrl('commerce') });
  const publisherDb = new Client({ connectionString: endpoints.postgresUrl('commerce') });
  const streamerDb = new Client({ connectionString: endpoints.postgresUrl('streamer') });
  const kafka = kafkaClient('bench');
  const admin = kafka.admin();
  await Promise.all([commerce.connect(), publisherDb.connect(), streamerDb.connect(), admin.connect()]);
  const failures: string[] = [];
  try {
    const codec = await EventCodec.connect(endpoints.registryUrl);
    const started = new Date();
    const git = gitInfo();
    const machine = await machineInfo(commerce, endpoints.connectUrl);
    let latencyCurve: CurvePoint[] | undefined;
    const runners: Record<Scenario, () => Promise<Figures>> = {
      e2e: async () => {
        const e2e = await runE2eLatency(ctx, { commerce, streamerDb, admin, kafka, codec });
        latencyCurve = e2e.curve;
        return e2e.figures;
      },
      streamer: async () => ({
        streamer_batch_eps: await runStreamerMode(
          ctx,
          { streamerDb, admin, kafka, codec },
          'batch',
          options.streamerBatchEvents,
        ),
        streamer_single_eps: await runStreamerMode(
          ctx,
          { streamerDb, admin, kafka, codec },
          'single',
          options.streamerSingleEvents,
        ),
      }),
      capture: () => runCapture(ctx, { commerce, admin, kafka, codec }),
      polling: () => runPolling(ctx, { commerce, publisherDb, admin, kafka, codec }),
      api: () => runApiWrite(ctx),
      pgbench: () => runPgbench(ctx, { commerce, codec, stack }),
      reconcile: () => runReconcileCost(ctx, { commerce, streamerDb, admin, kafka, codec }),
    };
    let figures: Figures = {};
    const cpu: Record<string, CpuUsage> = {};
    for (const scenario of SCENARIOS.filter((s) => scenarios.includes(s))) {
      log(`scenario ${scenario}`);
      try {
        const measured = await measureCpu(runners[scenario]);
        figures = { ...figures, ...measured.result };
        cpu[scenario] = measured.cpu;
      } catch (err) {
        const message = messageOf(err);
        failures.push(`${scenario}: ${message}`);
        log(`scenario ${scenario} FAILED: ${message}`);
      }
    }
    const ratios = computeRatios(figures);
    const results = roundedResults({
      date: started.toISOString(),
      git,
      machine,
      settings: { ...withoutLog(options), scenarios },
      figures,
      ratios,
      targets: evaluateTargets(figures, ratios),
      ...(latencyCurve === undefined ? {} : { latencyCurve }),
      cpu,
      ...(options.cpuProfileDir === undefined ? {} : { profiles: profilesOf(options.cpuProfileDir, ctx.runStartedMs) }),
    } satisfies BenchResults);
    const name = cli.name ?? (cli.only ? 'partial' : 'latest');
    const files = await writeResults(cli.out, results, markdownReport(results), await renderChartSvg(results), name);
    console.log(consoleReport(results));
    console.log(`written: ${files.json}, ${files.markdown}, ${files.svg}`);
    if (failures.length > 0) {
      console.error(`failed scenarios:\n  ${failures.join('\n  ')}`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.allSettled([commerce.end(), publisherDb.end(), streamerDb.end(), admin.disconnect()]);
  }
}

program.parseAsync().catch((err: unknown) => {
  console.error(`bench: ${messageOf(err)}`);
  process.exitCode = 1;
});
