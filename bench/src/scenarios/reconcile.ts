import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@outbox/config';
import type { ReconcileSummary } from '@outbox/events';
import type { ServiceProcess } from '@outbox/e2e';
import type { BenchContext } from '../context';
import { figure, type Figures } from '../figures';
import { startGroupsAtEnd } from '../kafka';
import { startBenchService, stopBenchService } from '../child-processes';
import { viewLatencyStep, type E2eDeps } from './e2e-latency';

/** Resident memory of a process (MiB), from /proc; undefined once it has exited. */
function rssMib(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

interface ReconcileRun {
  report: ReconcileSummary & { written: number };
  wallMs: number;
  /** Resident memory samples of the command, one a second. */
  rss: number[];
}

/** `npm run reconcile -- --json` as a child process, its resident memory sampled every second. */
async function runReconcileCli(streamerUrl: string): Promise<ReconcileRun> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'api/src/reconcile/cli.ts'), '--json', '--rate', '1000000000'],
    { cwd: repoRoot, env: { ...process.env, STREAMER_URL: streamerUrl, LOG_LEVEL: 'warn' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const mib = child.pid === undefined ? undefined : rssMib(child.pid);
    if (mib !== undefined) rss.push(mib);
  }, 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  if (!stdout.trim().startsWith('{')) throw new Error(`npm run reconcile exited ${code}: ${stderr}`);
  return { report: JSON.parse(stdout) as ReconcileRun['report'], wallMs: Date.now() - started, rss };
}

/**
 * The cost of `npm run reconcile` (docs/performance.md): `--reconcile-products` products are
 * added (no activity: the check is the same work for any counts), then every product is
 * snapshotted and checked by a fresh metrics group of the real streamer. Measured: products
 * checked per second, the command's resident memory over the run (flat: keyset batches), and
 * the end-to-end p99 of live views at the target rate, alone and while the reconcile runs.
 */
export async function runReconcileCost(ctx: BenchContext, deps: E2eDeps): Promise<Figures> {
  const { reconcileProducts, e2eRatePerS, log } = ctx.options;
  const metricsGroup = `metrics-bench-${ctx.runId}-reconcile`;
  const cacheGroup = `cache-invalidation-bench-${ctx.runId}-reconcile`;
  log(`reconcile: adding ${reconcileProducts} products`);
  await deps.commerce.query(
    `INSERT INTO products (id, name, price, stock, updated_at)
     SELECT gen_random_uuid(), 'bench-' || $1 || '-reconcile-' || g, 100, 1000, now() FROM generate_series(1, $2) g`,
    [ctx.runId, reconcileProducts],
  );
  await startGroupsAtEnd(deps.admin, [metricsGroup, cacheGroup]);
  const services: ServiceProcess[] = [];
  try {
    const streamer = await startBenchService(
      'streamer',
      { METRICS_GROUP_ID: metricsGroup, CACHE_GROUP_ID: cacheGroup },
      ctx.options,
    );
    services.push(streamer);
    const api = await startBenchService('api', {}, ctx.options);
    services.push(api);

    log(`reconcile: live views at ${e2eRatePerS}/s without a reconcile`);
    const alone = await viewLatencyStep(ctx, deps, api.url, metricsGroup, e2eRatePerS, 'reconcile-alone');
    log(`reconcile: every product, with live views at ${e2eRatePerS}/s`);
    const [run, during] = await Promise.all([
      runReconcileCli(streamer.url),
      viewLatencyStep(ctx, deps, api.url, metricsGroup, e2eRatePerS, 'reconcile-during'),
    ]);
    const { checked, written } = run.report;
    const peak = Math.max(...run.rss);
    const early = run.rss[Math.min(run.rss.length - 1, Math.floor(run.rss.length / 10))] ?? peak;
    log(
      `reconcile: ${checked} of ${written} checked in ${(run.wallMs / 1000).toFixed(1)} s; RSS ${early.toFixed(0)} MiB early, ${peak.toFixed(0)} MiB peak; p99 ${alone.latency.p99.toFixed(0)} ms alone, ${during.latency.p99.toFixed(0)} ms during`,
    );
    const how = `every product of the database (${written}, of which ${reconcileProducts} added), batches of 500, no rate limit; command start to exit, every snapshot checked by the streamer`;
    return {
      reconcile_products_per_s: figure((checked / run.wallMs) * 1000, 'products/s', how),
      reconcile_rss_peak_mib: figure(
        peak,
        'MiB',
        `the command's resident memory, peak of ${run.rss.length} samples (a second apart); ${early.toFixed(0)} MiB at a tenth of the run`,
      ),
      reconcile_e2e_p99_alone_ms: figure(
        alone.latency.p99,
        'ms',
        `live views at ${e2eRatePerS}/s offered, no reconcile running`,
      ),
      reconcile_e2e_p99_during_ms: figure(during.latency.p99, 'ms', `the same load while the reconcile runs`),
    };
  } finally {
    for (const service of services.reverse()) await stopBenchService(service);
    await deps.admin.deleteGroups([metricsGroup, cacheGroup]).catch(() => undefined);
  }
}
