import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@outbox/config';
import type { DeadLetterRefusal } from '@outbox/streamer';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ConsoleConfig } from './config';
import { DeadLetterError, Dlq, STATUSES, type DlqFilter, type StatusFilter } from './dlq';
import { esc, renderDlq, renderMessage, renderOverview, renderPage } from './render';
import { Sampler } from './sampler';

const ASSETS: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

export interface ConsoleApp {
  app: FastifyInstance;
  sampler: Sampler;
  dlq: Dlq;
  close(): Promise<void>;
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

const TEXT = /^[\w.:@-]{1,200}$/;

function parseFilter(query: unknown): DlqFilter {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q))
    if (!['status', 'group', 'aggregate'].includes(key)) throw new BadRequest(`unknown query parameter "${key}"`);
  const one = (name: string): string | undefined => {
    const v = q[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw new BadRequest(`${name} must be given once`);
    if (!TEXT.test(v)) throw new BadRequest(`${name} must be 1-200 letters, digits or . _ : @ -`);
    return v;
  };
  const status = one('status') ?? 'new';
  if (!(STATUSES as readonly string[]).includes(status))
    throw new BadRequest(`status must be one of ${STATUSES.join(', ')}`);
  return { status: status as StatusFilter, group: one('group'), aggregate: one('aggregate') };
}

function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const wantsJson = (req: FastifyRequest) => (req.headers.accept ?? '').includes('application/json');

/** The HTTP answer to each reason the streamer's desk gives for refusing an act. */
export const REFUSAL_STATUS: Readonly<Record<DeadLetterRefusal, 400 | 404 | 409>> = {
  BAD_INPUT: 400,
  NOT_FOUND: 404,
  NOT_HEAD: 409,
  ALREADY_SETTLED: 409,
  NO_HANDLER: 409,
  UNDECODABLE: 409,
};

/** The HTTP status of a refused dead-letter action: from the refusal's code, never its wording. */
export const refusalStatus = (err: DeadLetterError): 400 | 404 | 409 => REFUSAL_STATUS[err.code];

/** The console: a server-rendered page, its overview fragment, the DLQ actions, /health. */
export async function buildConsoleApp(config: ConsoleConfig): Promise<ConsoleApp> {
  const app = Fastify({ logger: { level: 'warn' }, bodyLimit: 16 * 1024 });
  const sampler = new Sampler(config.status, config.sampleIntervalMs, config.windowMs);
  const dlq = new Dlq(config.streamer);
  const assets = new Map(
    Object.keys(ASSETS).map((name) => [name, readFileSync(join(repoRoot, 'console', 'assets', name), 'utf8')]),
  );

  // HTML forms post urlencoded bodies; one value per field.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  const fail = (req: FastifyRequest, reply: FastifyReply, statusCode: number, message: string) => {
    reply.code(statusCode);
    if (wantsJson(req)) return reply.send({ statusCode, error: message });
    return reply.type('text/html; charset=utf-8').send(renderMessage(`refused (${statusCode})`, message, false));
  };

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof BadRequest) return fail(req, reply, err.statusCode, err.message);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return fail(req, reply, err.statusCode, err.message);
    req.log.error(err);
    return fail(req, reply, 500, 'the console failed; see its log');
  });
  app.setNotFoundHandler((req, reply) => fail(req, reply, 404, `no such page: ${req.method} ${req.url}`));

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/assets/:name', async (req, reply) => {
    const { name } = req.params as { name: string };
    const body = assets.get(name);
    if (body === undefined) return fail(req, reply, 404, `no such asset: ${name}`);
    return reply.type(ASSETS[name] as string).send(body);
  });

  const overview = () => {
    const { report, error } = sampler.report();
    return renderOverview(report, error, sampler.history(), config.windowMs);
  };

  app.get('/fragment/overview', async (_req, reply) => reply.type('text/html; charset=utf-8').send(overview()));

  app.get('/api/status', async (_req, reply) => {
    const { report, error } = sampler.report();
    if (!report) return reply.code(503).send({ statusCode: 503, error: error ?? 'no reading yet' });
    return report;
  });

  app.get('/', async (req, reply) => {
    const filter = parseFilter(req.query);
    let dlqHtml: string;
    try {
      dlqHtml = renderDlq(await dlq.list(filter), undefined, filter, config.token !== undefined);
    } catch (err) {
      dlqHtml = renderDlq(
        undefined,
        err instanceof Error ? err.message : String(err),
        filter,
        config.token !== undefined,
      );
    }
    return reply
      .type('text/html; charset=utf-8')
      .send(renderPage(overview(), dlqHtml, Math.min(config.sampleIntervalMs, 5_000)));
  });

  app.get('/api/dead-letters', async (req) => dlq.list(parseFilter(req.query)));

  app.post('/dlq/:id/:action', async (req, reply) => {
    const { id, action } = req.params as { id: string; action: string };
    if (action !== 'replay' && action !== 'discard') throw new BadRequest('the action must be replay or discard', 404);
    if (!/^[1-9]\d{0,17}$/.test(id)) throw new BadRequest(`dead letter id must be a positive integer, got "${id}"`);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body))
      throw new BadRequest('the body must be a form or a JSON object');
    const header = req.headers['x-console-token'];
    const given = typeof header === 'string' ? header : typeof body.token === 'string' ? body.token : '';
    if (config.token === undefined)
      return fail(req, reply, 403, 'actions are disabled: CONSOLE_TOKEN is not configured on the console server');
    if (!given) return fail(req, reply, 403, 'this action needs the console token');
    if (!tokenMatches(config.token, given)) return fail(req, reply, 403, 'wrong console token');
    if (body.confirm !== 'yes') throw new BadRequest('the action was not confirmed (confirm=yes)');

    let report;
    try {
      report = await dlq.act(BigInt(id), action);
    } catch (err) {
      if (err instanceof DeadLetterError) return fail(req, reply, refusalStatus(err), err.message);
      throw err;
    }
    const released = report.released.map(String);
    const result = {
      id,
      action,
      ok: report.ok,
      error: report.error,
      released,
      newHead: report.newHead?.toString(),
    };
    req.log.warn({ id, action, ok: report.ok, released }, 'console dead-letter action');
    void sampler.sampleOnce();
    if (!report.ok) {
      reply.code(409);
      if (wantsJson(req)) return reply.send(result);
      return reply
        .type('text/html; charset=utf-8')
        .send(renderMessage('failed again', `#${id} failed again and stays parked: ${report.error ?? ''}`, false));
    }
    if (wantsJson(req)) return result;
    const message =
      `#${id} ${action === 'replay' ? 'replayed' : 'discarded'}; released ${released.length} record(s) behind it` +
      (released.length ? ` (#${released.join(', #')})` : '') +
      (report.newHead !== undefined ? `; #${report.newHead} failed while releasing and now heads the queue` : '');
    return reply.type('text/html; charset=utf-8').send(renderMessage('done', message, true));
  });

  return {
    app,
    sampler,
    dlq,
    async close() {
      await app.close();
      await sampler.stop();
      await dlq.close();
    },
  };
}

export { esc };
