import { endpointsOf, loadStackConfig, type StackConfig, type StackEndpoints } from '@outbox/config';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Addresses of the stack under test. Read from configuration only, so the same suite runs
 * against the native test-profile stack (npm test) and the compose stack (test:e2e:compose).
 */
export const stack: StackConfig = loadStackConfig();
export const endpoints: StackEndpoints = endpointsOf(stack, 'tester');

export function kafkaClient(clientId = 'e2e'): Kafka {
  return new Kafka({
    clientId,
    brokers: endpoints.kafkaBrokers,
    ...(endpoints.kafkaSasl ? { sasl: endpoints.kafkaSasl } : {}),
    logLevel: logLevel.NOTHING,
  });
}
