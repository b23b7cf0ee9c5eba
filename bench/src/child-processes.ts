import { join } from 'node:path';
import { startService, type ServiceProcess } from '@outbox/e2e';
import type { BenchOptions } from './context';

/** Preloaded to profile a service (node 20 does not take --cpu-prof in NODE_OPTIONS). */
const PROFILER = join(__dirname, 'cpu-profile-preload.mjs');

/**
 * Starts the real api or streamer as a child process (e2e's startService: a free port, waits
 * for /ready). With a CPU profile folder, the process writes a .cpuprofile when it exits.
 */
export function startBenchService(
  name: 'api' | 'streamer',
  env: Record<string, string>,
  options: Pick<BenchOptions, 'cpuProfileDir'>,
): Promise<ServiceProcess> {
  const profiling: Record<string, string> = {};
  if (options.cpuProfileDir !== undefined) {
    profiling.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${PROFILER}`.trim();
    profiling.BENCH_CPU_PROFILE_DIR = options.cpuProfileDir;
    profiling.BENCH_CPU_PROFILE_NAME = `${name}-${Date.now()}`;
  }
  return startService(name, { STACK_PROFILE: 'dev', LOG_LEVEL: 'warn', ...profiling, ...env });
}

/** SIGTERM (a graceful stop, so a CPU profile is written), SIGKILL after the grace period. */
export async function stopBenchService(service: ServiceProcess, graceMs = 20_000): Promise<void> {
  const timer = setTimeout(() => void service.kill('SIGKILL'), graceMs);
  try {
    await service.kill('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}
