import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent, type EventCodec } from '@outbox/events';
import { TRANSACTION_LIMITS } from '@outbox/db';
import type { StackConfig } from '@outbox/stack';
import type { Client } from 'pg';
import type { BenchContext } from '../context';
import { figure, type Figures } from '../figures';

const PLACEHOLDER_ID = '00000000-0000-4000-8000-000000000000';

/** The newest pgbench Debian installed (/usr/lib/postgresql/<major>/bin/pgbench), or PGBENCH. */
export function findPgbench(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGBENCH) return env.PGBENCH;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((m) => Number.isInteger(m) && existsSync(join(root, String(m), 'bin', 'pgbench')))
        .sort((a, b) => b - a)
    : [];
  if (majors[0] === undefined) throw new Error('pgbench not found under /usr/lib/postgresql/*/bin (set PGBENCH)');
  return join(root, String(majors[0]), 'bin', 'pgbench');
}

/**
 * The like route's transaction as SQL, statement for statement: the transaction limits
 * (inTransaction), the product check (requireProduct), the like insert (createMany with
 * skipDuplicates), the outbox insert with a real Avro payload whose eventId is the row id.
 */
export function likeTransactionScript(productId: string, payloadTemplate: Buffer, idOffset: number): string {
  const template = payloadTemplate.toString('hex');
  return [
    'BEGIN;',
    `SELECT set_config('lock_timeout', '${TRANSACTION_LIMITS.lockTimeout}', true), set_config('statement_timeout', '${TRANSACTION_LIMITS.statementTimeout}', true);`,
    `SELECT id FROM products WHERE id = '${productId}' LIMIT 1;`,
    `INSERT INTO product_likes (member_id, product_id) VALUES ('pgbench-' || gen_random_uuid(), '${productId}') ON CONFLICT DO NOTHING;`,
    `WITH e AS (SELECT gen_random_uuid() AS id) INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) SELECT e.id, 'catalog', '${productId}', 'PRODUCT_LIKED', overlay(decode('${template}', 'hex') placing convert_to(e.id::text, 'UTF8') from ${idOffset + 1} for 36) FROM e;`,
    'END;',
    '',
  ].join('\n');
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`pgbench exit ${code}:\n${out}`))));
  });
}

/** "tps = 1234.56 (without initial connection time)" from pgbench's report. */
export function parsePgbenchTps(output: string): number {
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  if (!match?.[1]) throw new Error(`no tps in pgbench output:\n${output}`);
  return Number(match[1]);
}

/**
 * pgbench running the like route's transaction against the same Postgres (commerce database),
 * with the same client count and duration as the api run, prepared statements.
 */
export async function runPgbench(
  ctx: BenchContext,
  deps: { commerce: Client; codec: EventCodec; stack: StackConfig },
): Promise<Figures> {
  const { connections, durationS, log } = ctx.options;
  const { rows } = await deps.commerce.query<{ id: string }>(
    `INSERT INTO products (name, price, stock) VALUES ($1, 1000, 1000000) RETURNING id`,
    [`bench-${ctx.runId}-pgbench`],
  );
  const productId = rows[0]?.id as string;
  const template = await deps.codec.encode(
    newEvent('PRODUCT_LIKED', productId, { memberId: `bench-${ctx.runId}-run-000000` }, { eventId: PLACEHOLDER_ID }),
  );
  const idOffset = template.indexOf(Buffer.from(PLACEHOLDER_ID));
  if (idOffset < 0) throw new Error('the eventId is not in the encoded payload');

  const dir = mkdtempSync(join(tmpdir(), 'bench-pgbench-'));
  try {
    const script = join(dir, 'like.sql');
    writeFileSync(script, likeTransactionScript(productId, template, idOffset));
    const pg = deps.stack.postgres;
    const args = [
      '--no-vacuum',
      '--protocol=prepared',
      `--client=${connections}`,
      '--jobs=2',
      `--time=${durationS}`,
      `--file=${script}`,
      `--host=${deps.stack.clientHosts.postgres}`,
      `--port=${pg.port}`,
      `--username=${pg.user}`,
      'commerce',
    ];
    const pgbench = findPgbench();
    log(`pgbench: ${connections} clients, ${durationS} s, the like transaction`);
    const output = await run(pgbench, args, { ...process.env, PGPASSWORD: pg.password });
    const tps = parsePgbenchTps(output);
    log(`pgbench: ${tps.toFixed(0)} tps`);
    return {
      pgbench_tps: figure(
        tps,
        'transactions/s',
        `${pgbench}, ${connections} clients, 2 threads, ${durationS} s, prepared statements; the like route's statements incl. an Avro payload of ${template.length} bytes`,
      ),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
