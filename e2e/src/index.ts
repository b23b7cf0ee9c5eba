import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointsOf, loadStackConfig, type StackConfig, type StackEndpoints } from '@outbox/stack';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Addresses of the stack under test. Read from configuration only, so the same suite runs
 * against the native test-profile stack (npm test) and the compose stack (test:e2e:compose).
 */
export const stack: StackConfig = loadStackConfig();
export const endpoints: StackEndpoints = endpointsOf(stack);

/** A name no other test run uses (topics, groups, connectors, tables). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function kafkaClient(clientId = 'e2e'): Kafka {
  return new Kafka({ clientId, brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** Polls until `probe` returns a value other than undefined, or fails with `what` after the timeout. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(250);
  }
  const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}

export * from './records';
export * from './control';
export * from './processes';
export * from './ground-truth';
export * from './workload';
export * from './groups';
export * from './otlp-receiver';
export * from './pipeline';
export * from './db';
export * from './scrape';
