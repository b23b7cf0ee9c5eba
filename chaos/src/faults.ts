import { setTimeout as sleep } from 'node:timers/promises';
import { endpoints, killServer, stack, startServer, stopServer, type StopMode } from '@outbox/e2e';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { StreamerCounters } from './counters';
import type { FaultPlan, FaultTarget, KILL_TARGETS } from './targets';
import type { Services } from './child-processes';

export { DEPENDENCY_TARGETS, FAULT_TARGETS, KILL_TARGETS } from './targets';
export type { FaultPlan, FaultTarget } from './targets';

export interface FaultContext {
  services: Services;
  counters: StreamerCounters;
  plan: FaultPlan;
  /** The run's seeded random stream: the same seed makes the same choices. */
  random: () => number;
  log: (line: string) => void;
}

export interface InjectedFault {
  /** What was done, for the report: "SIGKILL", "fast shutdown", "stopped", "4 joins and leaves". */
  action: string;
  /** How long the target was down (or the storm lasted), as planned. */
  downMs: number;
  /** When the target was back: restarted and healthy, or the second streamer gone for good. */
  returnedAt: number;
}

const draw = (random: () => number, [min, max]: [number, number]): number => Math.round(min + random() * (max - min));

/** Injects one fault and returns once the target is back (healthy or ready). */
export async function injectFault(target: FaultTarget, ctx: FaultContext): Promise<InjectedFault> {
  switch (target) {
    case 'api':
    case 'streamer':
    case 'connect':
    case 'kafka':
      return killAndRestart(target, ctx);
    case 'postgres':
      return restartPostgres(ctx);
    case 'redis':
    case 'registry':
      return outage(target, ctx);
    case 'rebalance':
      return rebalanceStorm(ctx);
    case 'redis-pause':
      return pauseRedis(ctx);
    case 'table-lock':
      return holdTableLock(ctx);
  }
}

/**
 * Redis takes connections but answers no write for a while (CLIENT PAUSE ... WRITE, as a
 * failover or a slow fork does): the cache group's invalidations hang until their command
 * timeout. The streamer must wait without being evicted from its groups.
 */
async function pauseRedis(ctx: FaultContext): Promise<InjectedFault> {
  const downMs = ctx.plan.holdMs;
  const admin = new Redis(endpoints.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await admin.call('CLIENT', 'PAUSE', String(downMs), 'WRITE');
    ctx.log(`redis paused (CLIENT PAUSE WRITE) for ${downMs} ms`);
    await sleep(downMs);
  } finally {
    await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    admin.disconnect();
  }
  return { action: 'CLIENT PAUSE WRITE', downMs, returnedAt: Date.now() };
}

/**
 * Another session holds an exclusive lock on product_metrics (a migration, a manual UPDATE):
 * the metrics group's statements wait on it until their lock timeout, again and again.
 */
async function holdTableLock(ctx: FaultContext): Promise<InjectedFault> {
  const downMs = ctx.plan.holdMs;
  const client = new Client({ connectionString: endpoints.postgresUrl('streamer') });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE product_metrics IN ACCESS EXCLUSIVE MODE');
    ctx.log(`product_metrics locked (ACCESS EXCLUSIVE) for ${downMs} ms`);
    await sleep(downMs);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  return { action: 'LOCK TABLE ACCESS EXCLUSIVE', downMs, returnedAt: Date.now() };
}

/** The server a kill of `kafka` or `connect` hits: the only one, or in the cluster topology one node or worker, seeded. */
function serverOf(target: 'kafka' | 'connect', random: () => number): string {
  const servers = target === 'kafka' ? stack.kafka.nodes : stack.connect.workers;
  const server = servers.length === 1 ? servers[0] : servers[Math.floor(random() * servers.length)];
  return server?.name ?? target;
}

/** SIGKILL, as a crash or an OOM kill would do it: no shutdown hook runs. */
async function killAndRestart(target: (typeof KILL_TARGETS)[number], ctx: FaultContext): Promise<InjectedFault> {
  const { services } = ctx;
  const downMs = draw(ctx.random, ctx.plan.downtimeMs);
  const server = target === 'kafka' || target === 'connect' ? serverOf(target, ctx.random) : target;
  if (target === 'streamer') await ctx.counters.collect(services.streamer?.url);
  if (target === 'api') await services.api?.kill('SIGKILL');
  else if (target === 'streamer') await services.streamer?.kill('SIGKILL');
  else killServer(server);
  ctx.log(`SIGKILL ${server}; down for ${downMs} ms`);
  await sleep(downMs);
  if (target === 'api') await services.startApi();
  else if (target === 'streamer') await services.startStreamer();
  else await startServer(server);
  return { action: server === target ? 'SIGKILL' : `SIGKILL ${server}`, downMs, returnedAt: Date.now() };
}

/**
 * PostgreSQL stopped, either by a fast shutdown (SIGINT: open transactions rolled back, a
 * checkpoint) or by a crash (SIGKILL of every process: recovery from the WAL at the next start),
 * the seed choosing; both databases and the registry's storage go with it.
 */
async function restartPostgres(ctx: FaultContext): Promise<InjectedFault> {
  const mode: StopMode = ctx.random() < 0.5 ? 'graceful' : 'crash';
  const action = mode === 'graceful' ? 'fast shutdown' : 'crash (SIGKILL)';
  const downMs = draw(ctx.random, ctx.plan.downtimeMs);
  await stopServer('postgres', mode);
  ctx.log(`postgres ${action}; down for ${downMs} ms`);
  await sleep(downMs);
  await startServer('postgres');
  return { action, downMs, returnedAt: Date.now() };
}

/** Redis or the registry stopped (SIGTERM) for the outage, then started. Redis restarts empty. */
async function outage(target: 'redis' | 'registry', ctx: FaultContext): Promise<InjectedFault> {
  const downMs = ctx.plan.outageMs;
  await stopServer(target, 'graceful');
  ctx.log(`${target} stopped for ${downMs} ms`);
  await sleep(downMs);
  await startServer(target);
  return { action: 'stopped', downMs, returnedAt: Date.now() };
}

/**
 * A rebalance storm: a second streamer with the same group ids joins (a rebalance when it is
 * ready), stays a few seconds, and leaves, by SIGTERM (it leaves the groups: a rebalance at
 * once) or SIGKILL (the groups rebalance when its session times out); several times.
 */
async function rebalanceStorm(ctx: FaultContext): Promise<InjectedFault> {
  const started = Date.now();
  const { stormCycles } = ctx.plan;
  for (let cycle = 1; cycle <= stormCycles; cycle += 1) {
    const stayMs = draw(ctx.random, ctx.plan.stormMemberMs);
    const signal = ctx.random() < 0.5 ? 'SIGTERM' : 'SIGKILL';
    const member = await ctx.services.startExtraStreamer();
    await sleep(stayMs);
    await ctx.counters.collect(member.url);
    await member.kill(signal);
    ctx.services.extraStreamer = undefined;
    ctx.log(`rebalance ${cycle}/${stormCycles}: a second streamer joined the groups for ${stayMs} ms, then ${signal}`);
  }
  return { action: `${stormCycles} joins and leaves`, downMs: Date.now() - started, returnedAt: Date.now() };
}
