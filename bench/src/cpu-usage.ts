import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per process of the stack during a scenario, from /proc/<pid>/stat (utime + stime),
 * grouped by role. On a 2-core machine where every server runs, this names what saturates the
 * cores: the bench's own load generator, the api, PostgreSQL (its walsender apart), Connect,
 * Kafka, the streamer. Linux only; elsewhere the usage is empty.
 */
export interface ProcessCpu {
  role: string;
  /** CPU seconds over the scenario divided by its wall seconds: 1.0 is one core busy. */
  cores: number;
}

export interface CpuUsage {
  wallS: number;
  /** Busiest first; roles under 0.01 cores left out. */
  processes: ProcessCpu[];
  /** Sum over every process of the machine (ours and others): how close to the 2 cores. */
  totalCores: number;
}

const TICKS_PER_S = 100; // USER_HZ on Linux
/** How often the processes are read: one that ends between two reads loses at most this much. */
const SAMPLE_EVERY_MS = 250;

/** The role of a process by its command line; others by their name. */
function roleOf(pid: number, cmdline: string, comm: string): string {
  if (pid === process.pid) return 'bench (load generator, readers)';
  if (cmdline.startsWith('postgres:') && cmdline.includes('walsender')) return 'postgres walsender (logical decoding)';
  // A backend that just ended has no command line left; its name is still postgres.
  if (cmdline.startsWith('postgres') || cmdline.includes('/bin/postgres') || comm === 'postgres') return 'postgres';
  if (cmdline.includes('ConnectDistributed')) return 'kafka connect + debezium';
  if (cmdline.includes('kafka.Kafka')) return 'kafka';
  if (cmdline.includes('apicurio') || cmdline.includes('quarkus')) return 'schema registry';
  if (cmdline.includes('redis-server')) return 'redis';
  if (cmdline.includes('api/src/server') || cmdline.includes('api/dist/server')) return 'api';
  if (cmdline.includes('streamer/src/server') || cmdline.includes('streamer/dist/server')) return 'streamer';
  if (cmdline.includes('pgbench')) return 'pgbench';
  return `other (${comm})`;
}

/** Roles by pid and start time: a command line is read once per process, and a reused pid is a new process. */
const roles = new Map<string, string>();

/** CPU ticks of every live process, keyed by pid and start time, with its role. */
function snapshot(): Map<string, { role: string; ticks: number }> {
  const processes = new Map<string, { role: string; ticks: number }>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return processes;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
      const key = `${pid}:${fields[19]}`; // starttime
      let role = roles.get(key);
      if (role === undefined) {
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
        role = roleOf(pid, cmdline, comm);
        roles.set(key, role);
      }
      processes.set(key, { role, ticks });
    } catch {
      /* exited meanwhile */
    }
  }
  return processes;
}

/**
 * Runs `work` and reports the CPU each role of the stack used meanwhile. The processes are read
 * every 250 ms, so the services a scenario starts and stops, and database backends that close,
 * count too (a process started meanwhile counts from zero; one that ends loses its last 250 ms).
 */
export async function measureCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuUsage }> {
  const first = snapshot();
  const last = new Map(first);
  const sample = () => {
    for (const [key, seen] of snapshot()) last.set(key, seen);
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  const started = Date.now();
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  sample();
  const wallS = (Date.now() - started) / 1000;
  const byRole = new Map<string, number>();
  let total = 0;
  for (const [key, seen] of last) {
    const ticks = seen.ticks - (first.get(key)?.ticks ?? 0);
    if (ticks <= 0) continue;
    total += ticks;
    byRole.set(seen.role, (byRole.get(seen.role) ?? 0) + ticks);
  }
  const cores = (ticks: number) => Math.round((ticks / TICKS_PER_S / wallS) * 100) / 100;
  const processes = [...byRole]
    .map(([role, ticks]) => ({ role, cores: cores(ticks) }))
    .filter((p) => p.cores >= 0.01)
    .sort((a, b) => b.cores - a.cores);
  return { result, cpu: { wallS: Math.round(wallS * 10) / 10, processes, totalCores: cores(total) } };
}
