import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@outbox/config';
import {
  createProduct,
  expectNoDrift,
  http,
  member,
  preparePipeline,
  queryDb,
  runGroupIds,
  startApi,
  startGroupsAtEnd,
  startStreamer,
  type ServiceProcess,
} from '@outbox/e2e';
import type { ReconcileDifference } from '@outbox/events';

const run = promisify(execFile);

/**
 * `npm run reconcile` through the real pipeline (docs/operations.md#reconcile): the projection
 * of some products is corrupted by hand, then verify must name exactly those (while the other
 * products take live writes), repair must fix them, and a second verify finds nothing.
 */
describe('npm run reconcile', () => {
  let streamer: ServiceProcess;
  let api: ServiceProcess;
  const products: string[] = [];
  let load: Promise<void> | undefined;
  let loading = false;

  const reconcile = async (...args: string[]) => {
    const result = await runCli(streamer.url, args);
    return {
      code: result.code,
      report: JSON.parse(result.stdout) as {
        checked: number;
        differing: number;
        repaired: number;
        differences: ReconcileDifference[];
      },
    };
  };
  const runCli = (streamerUrl: string, args: string[]) =>
    run(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'api/src/reconcile/cli.ts'),
        ...products.flatMap((p) => ['--product', p]),
        ...args,
      ],
      { cwd: repoRoot, env: { ...process.env, STREAMER_URL: streamerUrl }, timeout: 120_000 },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  beforeAll(async () => {
    await preparePipeline();
    const groups = runGroupIds('reconcile-test', Date.now());
    await startGroupsAtEnd(Object.values(groups));
    streamer = await startStreamer({ METRICS_GROUP_ID: groups.metrics, CACHE_GROUP_ID: groups.cacheInvalidation });
    api = await startApi({ STREAMER_URL: streamer.url });
    for (let i = 0; i < 6; i += 1) {
      const id = await createProduct(api, 1_000, 100, `reconcile ${i}`);
      products.push(id);
      await http(api, 'POST', `/products/${id}/likes`, { headers: member(`r-${i}`) });
      await http(api, 'POST', `/products/${id}/views`);
      await http(api, 'POST', '/orders', {
        headers: member(`r-${i}`),
        body: { items: [{ productId: id, quantity: 2 }] },
      });
    }
    await expectNoDrift(products);
  });
  afterAll(async () => {
    loading = false;
    await load;
    await Promise.all([api.kill('SIGTERM'), streamer.kill('SIGTERM')]);
  });

  it('finds exactly the corrupted products under live writes, repairs them, and then finds none', async () => {
    const [corruptLikes, corruptSales] = products as [string, string];
    await queryDb('streamer', 'UPDATE product_metrics SET likes = likes + 5 WHERE product_id = $1', [corruptLikes]);
    await queryDb('streamer', 'UPDATE product_metrics SET sales = 0 WHERE product_id = $1', [corruptSales]);

    // Live writes to the other products while the snapshots are taken and checked.
    loading = true;
    load = (async () => {
      for (let i = 0; loading; i += 1) {
        const productId = products[2 + (i % 4)] as string;
        await http(api, 'POST', `/products/${productId}/${i % 2 === 0 ? 'views' : 'likes'}`, {
          headers: member(`live-${i % 7}`),
        });
      }
    })();

    const verify = await reconcile('--json');
    expect(verify.code).toBe(1);
    expect(verify.report).toMatchObject({ checked: products.length, differing: 2, repaired: 0 });
    expect(
      verify.report.differences.map(({ productId, field, expected, found }) => ({ productId, field, expected, found })),
    ).toEqual(
      [
        { productId: corruptLikes, field: 'likes', expected: 1, found: 6 },
        { productId: corruptSales, field: 'sales', expected: 2, found: 0 },
      ].sort((a, b) => a.productId.localeCompare(b.productId)),
    );

    const repair = await reconcile('--json', '--repair');
    expect(repair.code).toBe(0);
    expect(repair.report).toMatchObject({ checked: products.length, differing: 2, repaired: 2 });

    loading = false;
    await load;
    await expectNoDrift(products);
    const again = await reconcile('--json');
    expect(again).toMatchObject({ code: 0, report: { checked: products.length, differing: 0 } });
  });

  const outboxRows = async () =>
    (
      await queryDb<{ n: number }>('commerce', 'SELECT count(*)::int AS n FROM outbox WHERE aggregateid = ANY($1)', [
        products,
      ])
    )[0]?.n;

  it('writes no snapshot when the streamer does not apply them (an older streamer)', async () => {
    const before = await outboxRows();
    // The api answers, but serves no /reconciles: what a streamer from before snapshots would do.
    const refused = await runCli(api.url, ['--json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /HTTP 404: no route GET \/reconciles\/[^:]*: the streamer does not apply product snapshots; deploy one that knows PRODUCT_METRICS_SNAPSHOT first/,
    );
    expect(await outboxRows()).toBe(before);
  });

  it('writes no snapshot when the streamer fails to report, and says why', async () => {
    const before = await outboxRows();
    // What the streamer answered when its login could not read reconcile_check.
    const failing = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          statusCode: 500,
          error: 'Internal Server Error',
          message: 'permission denied for table reconcile_check',
        }),
      );
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = failing.address() as AddressInfo;
      const refused = await runCli(`http://127.0.0.1:${port}`, ['--json']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        /HTTP 500: permission denied for table reconcile_check: the streamer cannot report on a reconcile; nothing was written/,
      );
      expect(refused.stderr).not.toMatch(/deploy one that knows/);
    } finally {
      failing.close();
    }
    expect(await outboxRows()).toBe(before);
  });

  it('backfills a lost projection into a new group that starts at the end of the topics', async () => {
    await streamer.kill('SIGTERM');
    await queryDb('streamer', 'DELETE FROM product_metrics WHERE product_id = ANY($1::uuid[])', [products]);
    const groups = runGroupIds('backfill-test', Date.now());
    await startGroupsAtEnd(Object.values(groups));
    streamer = await startStreamer({ METRICS_GROUP_ID: groups.metrics, CACHE_GROUP_ID: groups.cacheInvalidation });

    // Writes keep coming while the backfill runs: before and after each product's snapshot.
    loading = true;
    load = (async () => {
      for (let i = 0; loading; i += 1) {
        const productId = products[i % products.length] as string;
        await http(api, 'POST', `/products/${productId}/views`);
      }
    })();
    const backfill = await reconcile('--json', '--backfill');
    expect(backfill.code).toBe(0);
    expect(backfill.report.checked).toBe(products.length);
    loading = false;
    await load;
    await expectNoDrift(products);
  });
});
