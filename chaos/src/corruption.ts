import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@outbox/config';
import { queryDb } from '@outbox/e2e';
import type { ReconcileSummary } from '@outbox/events';

const run = promisify(execFile);

/** What the corruption step did and what `npm run reconcile` made of it. */
export interface CorruptionCheck {
  /** The products whose projection was changed by hand. */
  corrupted: string[];
  /** The products verify named as different. */
  found: string[];
  verifyExit: number;
  /** How many products repair set from the source. */
  repaired: number;
  /** Products a second verify, after the repair, still found different. */
  afterRepair: number;
}

interface CliRun {
  code: number;
  report?: ReconcileSummary;
  stderr: string;
}

/** `npm run reconcile` over the run's products, as an operator runs it. */
async function reconcileCli(streamerUrl: string, productIds: string[], ...args: string[]): Promise<CliRun> {
  const argv = [
    join(repoRoot, 'api/src/reconcile/cli.ts'),
    '--json',
    ...productIds.flatMap((p) => ['--product', p]),
    ...args,
  ];
  const result = await run(process.execPath, ['--import', 'tsx', ...argv], {
    cwd: repoRoot,
    env: { ...process.env, STREAMER_URL: streamerUrl },
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? String(err),
    }),
  );
  const report = result.stdout.trim().startsWith('{') ? (JSON.parse(result.stdout) as ReconcileSummary) : undefined;
  return { code: result.code, stderr: result.stderr, ...(report ? { report } : {}) };
}

/**
 * Corrupts the projection of a few of the run's products by hand (one counter each, as a bad
 * manual UPDATE would), then `npm run reconcile` must name exactly those, `--repair` must set them
 * from the source, and a second verify must find none (docs/chaos.md).
 */
export async function corruptAndReconcile(
  productIds: string[],
  streamerUrl: string,
  random: () => number,
): Promise<CorruptionCheck> {
  const shuffled = [...productIds].sort(() => random() - 0.5);
  const corrupted = shuffled.slice(0, Math.min(3, shuffled.length));
  const updates = [
    'UPDATE product_metrics SET likes = likes + 3 WHERE product_id = $1',
    'UPDATE product_metrics SET views = views + 11 WHERE product_id = $1',
    'UPDATE product_metrics SET sales = sales + 1 WHERE product_id = $1',
  ];
  for (const [i, productId] of corrupted.entries())
    await queryDb('streamer', updates[i % updates.length] as string, [productId]);

  const verify = await reconcileCli(streamerUrl, productIds);
  if (!verify.report) throw new Error(`npm run reconcile printed no report (exit ${verify.code}): ${verify.stderr}`);
  const found = [...new Set(verify.report.differences.map((d) => d.productId))];
  const repair = await reconcileCli(streamerUrl, productIds, '--repair');
  const again = await reconcileCli(streamerUrl, productIds);
  return {
    corrupted: [...corrupted].sort(),
    found: found.sort(),
    verifyExit: verify.code,
    repaired: repair.report?.repaired ?? 0,
    afterRepair: again.report?.differing ?? -1,
  };
}

/** Verify named exactly the corrupted products, repair fixed each, and nothing differs after. */
export function corruptionHeld(c: CorruptionCheck): boolean {
  return (
    c.verifyExit === 1 &&
    c.found.join() === c.corrupted.join() &&
    c.repaired === c.corrupted.length &&
    c.afterRepair === 0
  );
}
