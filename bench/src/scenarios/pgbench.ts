import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent, type EventCodec } from '@outbox/events';
import { TRANSACTION_LIMITS } from '@outbox/db';
import { LIKE, sessionLimitOptions } from '@outbox/api';
import type { StackConfig } from '@outbox/config';
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

/** A W3C traceparent as the api stores it (pgbench has no trace; the bytes are the same size). */
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * The like route's statement as pgbench runs it: the api's own text (`LIKE` of
 * api/src/db/hot-writes.ts, rendered, so the two cannot drift), each slot a literal or an
 * expression instead of a bound parameter: the product, a new member per transaction, a new
 * event id spliced into a real Avro payload (in the statement's row `e`, as the api's payload
 * carries its id), the trace context. One statement, autocommit: the api sends no BEGIN/COMMIT.
 */
export function likeStatementScript(productId: string, payloadTemplate: Buffer, idOffset: number): string {
  const fragments = likeStatementFragments(productId, payloadTemplate, idOffset);
  return `${LIKE.render((slot) => fragments[slot]).trim()};\n`;
}

/** What pgbench puts in each slot of the like statement. */
export function likeStatementFragments(
  productId: string,
  payloadTemplate: Buffer,
  idOffset: number,
): Record<(typeof LIKE.slots)[number], string> {
  const template = payloadTemplate.toString('hex');
  return {
    productId: `'${productId}'`,
    memberId: `('pgbench-' || gen_random_uuid())`,
    eventId: 'gen_random_uuid()',
    payload: `overlay(decode('${template}', 'hex') placing convert_to(e.id::text, 'UTF8') from ${idOffset + 1} for 36)`,
    aggregateType: `'catalog'`,
    aggregateId: `'${productId}'`,
    eventType: `'PRODUCT_LIKED'`,
    traceparent: `'${TRACEPARENT}'`,
  };
}

/** The api's session limits (startup parameters of each connection), for pgbench's sessions too. */
export const PGBENCH_SESSION_OPTIONS = sessionLimitOptions(TRANSACTION_LIMITS);

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
 * pgbench running the like route's statement against the same Postgres (commerce database),
 * with the same client count and duration as the api run. `--protocol=extended` (unnamed
 * statements: parsed and planned at every execution) is what node-postgres does for the api's
 * parameterized queries; `prepared` would parse and plan once per connection, which the api
 * never does.
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
    writeFileSync(script, likeStatementScript(productId, template, idOffset));
    const pg = deps.stack.postgres;
    const args = [
      '--no-vacuum',
      '--protocol=extended',
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
    log(`pgbench: ${connections} clients, ${durationS} s, the like statement`);
    const output = await run(pgbench, args, {
      ...process.env,
      PGPASSWORD: pg.password,
      PGOPTIONS: PGBENCH_SESSION_OPTIONS,
    });
    const tps = parsePgbenchTps(output);
    log(`pgbench: ${tps.toFixed(0)} tps`);
    return {
      pgbench_tps: figure(
        tps,
        'transactions/s',
        `${pgbench}, ${connections} clients, 2 threads, ${durationS} s, extended protocol (unnamed statements, as node-postgres); the like route's one statement (api/src/db/hot-writes.ts) incl. an Avro payload of ${template.length} bytes`,
      ),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
