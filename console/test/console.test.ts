import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createProduct,
  endpoints,
  eventually,
  http,
  kafkaClient,
  member,
  preparePipeline,
  type ServiceProcess,
  startApi,
  startGroupsAtEnd,
  startStreamer,
  uniqueName,
} from '@outbox/e2e';
import { repoRoot } from '@outbox/config';
import { ensureDebianPackage } from '@outbox/stack';
import { Partitioners, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConsoleApp, type ConsoleApp } from '../src/app';
import { loadConsoleConfig } from '../src/config';

jest.setTimeout(240_000);

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(repoRoot, 'console', 'test-results');

/** The operator console in a real browser (Debian's Chromium, headless) against the test stack. */
describe('operator console', () => {
  const groups = { metrics: uniqueName('console-metrics'), cacheInvalidation: uniqueName('console-cache') };
  const groupEnv = { METRICS_GROUP_ID: groups.metrics, CACHE_GROUP_ID: groups.cacheInvalidation };
  const token = randomUUID();
  let api: ServiceProcess;
  let streamer: ServiceProcess;
  let producer: Producer;
  let consoleApp: ConsoleApp;
  let readOnly: ConsoleApp;
  let url: string;
  let readOnlyUrl: string;
  let browser: Browser;
  let page: Page;
  const streamerDb = new Client({ connectionString: endpoints.postgresUrl('streamer') });

  const startConsole = async (env: Record<string, string>): Promise<[ConsoleApp, string]> => {
    const app = await buildConsoleApp(
      loadConsoleConfig({ ...process.env, ...groupEnv, CONSOLE_PORT: '0', CONSOLE_SAMPLE_INTERVAL_MS: '1000', ...env }),
    );
    return [app, await app.app.listen({ port: 0, host: '127.0.0.1' })];
  };
  const statusesOf = async (aggregateId: string) =>
    (
      await streamerDb.query<{ id: string; status: string; error: string }>(
        'SELECT id::text, status, error FROM dead_letter WHERE consumer_group = $1 AND aggregate_id = $2 ORDER BY topic, "partition", "offset"',
        [groups.metrics, aggregateId],
      )
    ).rows;
  const likesOf = async (productId: string) =>
    Number(
      (
        await streamerDb.query<{ likes: string }>('SELECT likes FROM product_metrics WHERE product_id = $1', [
          productId,
        ])
      ).rows[0]?.likes ?? 0,
    );
  // Screenshots are evidence for a person, not assertions: one Chromium cannot take (a very tall
  // page on a busy machine) does not fail the test.
  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }).catch(() => undefined);

  beforeAll(async () => {
    // Like PostgreSQL for the stack: Debian's Chromium is installed when it is missing (as root).
    ensureDebianPackage('console test', 'chromium', () => existsSync(CHROMIUM));
    mkdirSync(SHOTS, { recursive: true });
    await preparePipeline();
    await startGroupsAtEnd(Object.values(groups));
    await streamerDb.connect();
    api = await startApi();
    streamer = await startStreamer({ ...groupEnv, MAX_ATTEMPTS: '2', RETRY_BASE_MS: '20', RETRY_MAX_MS: '100' });
    producer = kafkaClient('console-poison').producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    [consoleApp, url] = await startConsole({ CONSOLE_TOKEN: token, STREAMER_URL: streamer.url });
    consoleApp.sampler.start();
    [readOnly, readOnlyUrl] = await startConsole({ CONSOLE_TOKEN: '', STREAMER_URL: streamer.url });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });
  afterAll(async () => {
    await browser?.close();
    await readOnly?.close();
    await consoleApp?.close();
    await producer?.disconnect();
    await streamer?.kill('SIGTERM');
    await streamerDb.end();
    await api?.kill('SIGTERM');
  });

  it('shows the verdict of the status collector, the pipeline hops and the charts', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    await page.goto(url);
    // The overview refreshes itself; a fresh stack reading with our groups caught up is HEALTHY.
    await page
      .waitForFunction("document.getElementById('verdict')?.textContent === 'HEALTHY'", null, {
        timeout: 120_000,
        polling: 1_000,
      })
      .catch(async (err: unknown) => {
        await shot('not-healthy');
        const reasons = await page.locator('#overview').textContent();
        throw new Error(`${String(err)}; the page says: ${reasons?.slice(0, 2000)}`);
      });
    for (const hop of ['api', 'outbox', 'slot', 'connect', 'topics', 'groups', 'effects'])
      expect(await page.locator(`.hop[data-hop="${hop}"]`).count()).toBe(1);
    expect(await page.locator('.hop[data-hop="slot"] h3').textContent()).toBe('replication slot');
    expect(await page.locator('.hop[data-hop="groups"]').textContent()).toContain(groups.metrics);
    expect(await page.locator('figure.chart svg').count()).toBe(2);
    await shot('healthy');
  });

  it('lists a poison record, refuses an action without the token, and discards the head with it', async () => {
    const a = await createProduct(api, 10, 100, 'Console poison');
    await producer.send({
      topic: 'catalog-events',
      acks: -1,
      messages: [
        { key: a, value: Buffer.from('not avro at all'), headers: { id: randomUUID(), eventType: 'PRODUCT_LIKED' } },
      ],
    });
    expect((await http(api, 'POST', `/products/${a}/likes`, { headers: member('console-1') })).status).toBe(201);
    const parked = await eventually(
      'the poison record and the like behind it parked',
      async () => {
        const rows = await statusesOf(a);
        return rows.length === 2 ? rows : undefined;
      },
      90_000,
    );
    const [head, behind] = parked as unknown as [{ id: string }, { id: string }];
    expect(await likesOf(a)).toBe(0);

    // The DLQ view, filtered to this aggregate: the head with its error, source and bytes as hex.
    await page.goto(`${url}/?status=new&group=${groups.metrics}&aggregate=${a}`);
    const headRow = page.locator(`tr.dl[data-id="${head.id}"]`);
    expect(await headRow.textContent()).toMatch(/undecodable/);
    expect(await headRow.textContent()).toContain('catalog-events/');
    expect(await page.locator(`tr.dl[data-id="${behind.id}"]`).textContent()).toContain('waits behind its head');
    await page.locator('details summary').first().click();
    expect(await page.locator('pre.hex').first().textContent()).toBe(Buffer.from('not avro at all').toString('hex'));
    expect(await page.locator('details').first().textContent()).toContain('eventType');
    await shot('dead-letters');

    // Without the token: confirmed, sent, refused with 403; nothing changes.
    page.once('dialog', (d) => void d.accept());
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/dlq/${head.id}/discard`)),
      headRow.locator('form.act button[value="discard"]').click(),
    ]);
    expect(refused.status()).toBe(403);
    expect(await page.locator('#message').textContent()).toMatch(/needs the console token/);
    expect((await statusesOf(a)).map((r) => r.status)).toEqual(['new', 'new']);

    // With the token: the head is discarded and the like parked behind it is applied.
    await page.goto(`${url}/?group=${groups.metrics}&aggregate=${a}`);
    const form = page
      .locator(`tr.dl[data-id="${head.id}"] form.act`)
      .filter({ has: page.locator('button[value="discard"]') });
    await form.locator('input[name="token"]').fill(token);
    page.once('dialog', (d) => void d.accept());
    const [done] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/dlq/${head.id}/discard`)),
      form.locator('button').click(),
    ]);
    expect(done.status()).toBe(200);
    expect(await page.locator('#message').textContent()).toContain(`#${head.id} discarded; released 1 record(s)`);
    await shot('discarded');
    expect((await statusesOf(a)).map((r) => r.status)).toEqual(['discarded', 'replayed']);
    expect(await likesOf(a)).toBe(1);

    // Anything but a waiting head is refused by the streamer's own code: 409.
    const again = await fetch(`${url}/dlq/${head.id}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-console-token': token },
      body: JSON.stringify({ confirm: 'yes' }),
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: expect.stringMatching(/already discarded/) });
  });

  it('replays a head from the page once its cause is fixed, and the metrics row changes', async () => {
    // A deterministic handler failure an operator can fix: a trigger refusing this product's
    // metrics row (SQLSTATE P0001 parks the like), dropped before the replay.
    const a = await createProduct(api, 10, 100, 'Console replay');
    const trigger = `refuse_${a.replaceAll('-', '_')}`;
    await streamerDb.query(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the console test'; END $$`);
    await streamerDb.query(`CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON product_metrics FOR EACH ROW
      WHEN (NEW.product_id = '${a}') EXECUTE FUNCTION ${trigger}()`);
    try {
      expect((await http(api, 'POST', `/products/${a}/likes`, { headers: member('console-2') })).status).toBe(201);
      const [head] = (await eventually(
        'the refused like parked',
        async () => {
          const rows = await statusesOf(a);
          return rows.length === 1 ? rows : undefined;
        },
        90_000,
      )) as unknown as [{ id: string; error: string }];
      expect(head.error).toMatch(/refused by the console test/);
      expect(await likesOf(a)).toBe(0);
    } finally {
      await streamerDb.query(`DROP TRIGGER IF EXISTS ${trigger} ON product_metrics`);
      await streamerDb.query(`DROP FUNCTION IF EXISTS ${trigger}()`);
    }
    const [head] = (await statusesOf(a)) as unknown as [{ id: string }];

    await page.goto(`${url}/?group=${groups.metrics}&aggregate=${a}`);
    const form = page
      .locator(`tr.dl[data-id="${head.id}"] form.act`)
      .filter({ has: page.locator('button[value="replay"]') });
    await form.locator('input[name="token"]').fill(token);
    page.once('dialog', (d) => void d.accept());
    const [done] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/dlq/${head.id}/replay`)),
      form.locator('button').click(),
    ]);
    expect(done.status()).toBe(200);
    expect(await page.locator('#message').textContent()).toContain(`#${head.id} replayed`);
    await shot('replayed');
    expect((await statusesOf(a)).map((r) => r.status)).toEqual(['replayed']);
    expect(await likesOf(a)).toBe(1);
  });

  it('without CONSOLE_TOKEN the page says actions are disabled and the server refuses them (403)', async () => {
    await page.goto(`${readOnlyUrl}/?status=all&group=${groups.metrics}`);
    expect(await page.locator('#actions-disabled').textContent()).toMatch(/CONSOLE_TOKEN is not configured/);
    const refused = await fetch(`${readOnlyUrl}/dlq/1/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-console-token': 'anything' },
      body: 'confirm=yes',
    });
    expect(refused.status).toBe(403);
  });

  it('answers bad input with a clear 4xx', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-console-token': token,
          ...headers,
        },
        body,
      });
    expect((await fetch(`${url}/?status=bogus`)).status).toBe(400);
    expect((await fetch(`${url}/?nope=1`)).status).toBe(400);
    expect((await fetch(`${url}/?group=${encodeURIComponent('<script>')}`)).status).toBe(400);
    expect((await post('/dlq/abc/replay', '{"confirm":"yes"}')).status).toBe(400);
    expect((await post('/dlq/1/explode', '{"confirm":"yes"}')).status).toBe(404);
    expect((await post('/dlq/1/replay', '{}')).status).toBe(400);
    expect((await post('/dlq/1/replay', '{"confirm":"yes"}', { 'x-console-token': 'wrong' })).status).toBe(403);
    expect((await post('/dlq/999999999999/replay', '{"confirm":"yes"}')).status).toBe(404);
    expect((await post('/dlq/1/replay', '{not json')).status).toBe(400);
  });
  it('shows DEGRADED with the lag growing while a consumer is stopped and events arrive', async () => {
    await streamer.kill('SIGTERM');
    const a = await createProduct(api, 10, 100, 'Console degraded');
    const lagOf = async (): Promise<number | undefined> => {
      const text = (await page.locator('.hop[data-hop="groups"]').textContent()) ?? '';
      const match = new RegExp(`${groups.metrics}: [^,]*, 0 member\\(s\\), lag (\\d+)`).exec(text);
      return match ? Number(match[1]) : undefined;
    };
    const likeBurst = async (from: number) => {
      for (let i = from; i < from + 10; i++)
        expect((await http(api, 'POST', `/products/${a}/likes`, { headers: member(`degraded-${i}`) })).status).toBe(
          201,
        );
    };
    await page.goto(url);
    await likeBurst(0);
    const first = await eventually(
      'the page shows the stopped group with lag',
      async () => {
        const verdict = await page.locator('#verdict').textContent();
        const lag = await lagOf();
        return verdict === 'DEGRADED' && lag !== undefined && lag > 0 ? lag : undefined;
      },
      60_000,
    );
    expect(await page.locator('#overview').textContent()).toContain(groups.metrics);
    await likeBurst(10);
    const later = await eventually(
      'the lag on the page grows',
      async () => {
        const lag = await lagOf();
        return lag !== undefined && lag >= first + 10 ? lag : undefined;
      },
      60_000,
    );
    expect(later).toBeGreaterThanOrEqual(first + 10);
    expect(await page.locator('#verdict').textContent()).toBe('DEGRADED');
    // The reason is data: its code and hop colour the groups box.
    expect(await page.locator('.reasons li[data-code="GROUP_NO_MEMBER"][data-hop="groups"]').count()).toBeGreaterThan(
      0,
    );
    expect(await page.locator('.hop[data-hop="groups"]').getAttribute('class')).toBe('hop bad');
    await shot('degraded');
  });
});
