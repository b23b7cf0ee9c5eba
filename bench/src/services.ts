import { startService, type ServiceProcess } from '@outbox/e2e';
import type { BenchOptions } from './context';

/**
 * Starts the real api or streamer as a child process (e2e's startService: a free port, waits
 * for /ready). With a CPU profile folder, node writes a .cpuprofile when the process exits.
 */
export function startBenchService(
  name: 'api' | 'streamer',
  env: Record<string, string>,
  options: Pick<BenchOptions, 'cpuProfileDir'>,
): Promise<ServiceProcess> {
  const profiling: Record<string, string> = {};
  if (options.cpuProfileDir !== undefined) {
    const flags = `--cpu-prof --cpu-prof-dir=${options.cpuProfileDir} --cpu-prof-name=${name}-${Date.now()}.cpuprofile`;
    profiling.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${flags}`.trim();
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
