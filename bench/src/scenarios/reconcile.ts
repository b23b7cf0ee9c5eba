import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf, repoRoot } from '@outbox/config';
import type { ReconcileSummary } from '@outbox/events';
import { currentLsn, waitCaptured, type ServiceProcess } from '@outbox/e2e';
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

/** `npm run reconcile -- --json --rate <rate>` as a child process, with the tail of its stderr. */
function spawnReconcileCli(
  streamerUrl: string,
  ratePerS: number,
): { child: ChildProcessWithoutNullStreams; stderr: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'api/src/reconcile/cli.ts'), '--json', '--rate', String(ratePerS)],
    { cwd: repoRoot, env: { ...process.env, STREAMER_URL: streamerUrl, LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.once('error', (err) => (stderr += `\n${err.message}`));
  return { child, stderr: () => stderr };
}

/** The command to its end, its resident memory sampled every second. */
async function runReconcileCli(streamerUrl: string, ratePerS: number): Promise<ReconcileRun> {
  const started = Date.now();
  const { child, stderr } = spawnReconcileCli(streamerUrl, ratePerS);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const mib = child.pid === undefined ? undefined : rssMib(child.pid);
    if (mib !== undefined) rss.push(mib);
  }, 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  if (!stdout.trim().startsWith('{')) throw new Error(`npm run reconcile exited ${code}: ${stderr()}`);
  return { report: JSON.parse(stdout) as ReconcileRun['report'], wallMs: Date.now() - started, rss };
}

/**
 * Runs `measure` while the command snapshots at `ratePerS`, then stops the command (the
 * snapshots written so far are still checked by the streamer; nothing waits for them).
 */
async function whileReconciling<T>(streamerUrl: string, ratePerS: number, measure: () => Promise<T>): Promise<T> {
  const { child, stderr } = spawnReconcileCli(streamerUrl, ratePerS);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let ended: number | null | undefined;
  void exited.then((code) => (ended = code));
  try {
    const result = await measure();
    // Ended before the load did: the p99 would not be "during" a reconcile.
    if (ended !== undefined)
      throw new Error(`npm run reconcile ended during the measurement (exit ${ended}): ${stderr()}`);
    return result;
  } finally {
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }
}

/** A --rate no run reaches: the command's own speed. */
const FULL_SPEED = 1_000_000_000;

/**
 * The cost of `npm run reconcile` (docs/performance.md): `--reconcile-products` products are
 * added (no activity: the check is the same work for any counts), then every product is
 * snapshotted and checked by a fresh metrics group of the real streamer. Measured: products
 * checked per second, the command's resident memory over the run (flat: keyset batches), and
 * the end-to-end p99 of live views at the target rate: alone, while the reconcile runs at full
 * speed, and while one runs at `--reconcile-rate` (the command's default unless given).
 */
export async function runReconcileCost(ctx: BenchContext, deps: E2eDeps): Promise<Figures> {
  const { reconcileProducts, reconcileRatePerS, e2eRatePerS, log } = ctx.options;
  const metricsGroup = `metrics-bench-${ctx.runId}-reconcile`;
  const cacheGroup = `cache-invalidation-bench-${ctx.runId}-reconcile`;
  const services: ServiceProcess[] = [];
  try {
    log(`reconcile: adding ${reconcileProducts} products`);
    await deps.commerce.query(
      `INSERT INTO products (id, name, price, stock, updated_at)
       SELECT gen_random_uuid(), 'bench-' || $1 || '-reconcile-' || g, 100, 1000, now() FROM generate_series(1, $2) g`,
      [ctx.runId, reconcileProducts],
    );
    // The insert's aftermath (statistics, the WAL Debezium decodes past) is over before any step.
    await deps.commerce.query('VACUUM ANALYZE products');
    await waitCaptured(await currentLsn(), 300_000);
    await startGroupsAtEnd(deps.admin, [metricsGroup, cacheGroup]);
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
    log(`reconcile: every product at full speed, with live views at ${e2eRatePerS}/s`);
    const [run, during] = await Promise.all([
      runReconcileCli(streamer.url, FULL_SPEED),
      viewLatencyStep(ctx, deps, api.url, metricsGroup, e2eRatePerS, 'reconcile-during'),
    ]);
    const { checked, written } = run.report;
    const peak = Math.max(...run.rss);
    const early = run.rss[Math.min(run.rss.length - 1, Math.floor(run.rss.length / 10))] ?? peak;
    log(
      `reconcile: ${checked} of ${written} checked in ${(run.wallMs / 1000).toFixed(1)} s; RSS ${early.toFixed(0)} MiB early, ${peak.toFixed(0)} MiB peak; p99 ${alone.latency.p99.toFixed(0)} ms alone, ${during.latency.p99.toFixed(0)} ms during`,
    );
    // The throttled run must outlast the load (its products are created first) to be "during".
    const throttledS = written / reconcileRatePerS;
    const atRate =
      throttledS > 2 * ctx.options.e2eDurationS + 30
        ? await whileReconciling(streamer.url, reconcileRatePerS, () =>
            viewLatencyStep(ctx, deps, api.url, metricsGroup, e2eRatePerS, 'reconcile-at-rate'),
          )
        : undefined;
    log(
      atRate
        ? `reconcile: p99 ${atRate.latency.p99.toFixed(0)} ms during a reconcile at --rate ${reconcileRatePerS}`
        : `reconcile: at --rate ${reconcileRatePerS} ${written} products take ${throttledS.toFixed(0)} s, too short for the load: not measured`,
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
      reconcile_e2e_p99_during_ms: figure(
        during.latency.p99,
        'ms',
        `the same load while the reconcile runs at full speed`,
      ),
      ...(atRate && {
        reconcile_e2e_p99_at_rate_ms: figure(
          atRate.latency.p99,
          'ms',
          `the same load while a reconcile runs at --rate ${reconcileRatePerS}`,
        ),
      }),
    };
  } finally {
    for (const service of services.reverse()) await stopBenchService(service);
    await deps.admin.deleteGroups([metricsGroup, cacheGroup]).catch(() => undefined);
    // The added products go again, so the next run reconciles the same database.
    await deps.commerce
      .query(`DELETE FROM products WHERE name ~ $1`, [`^bench-${ctx.runId}-reconcile-[0-9]+$`])
      .catch((err: unknown) => log(`reconcile: the added products stay: ${messageOf(err)}`));
  }
}
