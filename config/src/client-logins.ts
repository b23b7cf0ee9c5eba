import { z } from 'zod';
import { parseEnv } from './env';
import type { Credential, KafkaSasl } from './security';

const schema = z.object({
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-512', 'scram-sha-256', 'plain']).default('scram-sha-512'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  CONNECT_USERNAME: z.string().min(1).optional(),
  CONNECT_PASSWORD: z.string().min(1).optional(),
});

/**
 * A program's Kafka and Connect REST logins: KAFKA_SASL_* and CONNECT_USERNAME/PASSWORD when set
 * (a deployment's own secrets), else what the stack gives its identity (endpointsOf).
 */
export function clientLoginsFromEnv(
  env: NodeJS.ProcessEnv,
  fallback: { kafkaSasl?: KafkaSasl; connectLogin?: Credential },
): { kafkaSasl?: KafkaSasl; connectLogin?: Credential } {
  const e = parseEnv(schema, env, 'login');
  const pair = (user: string | undefined, password: string | undefined, what: string): Credential | undefined => {
    if (user === undefined && password === undefined) return undefined;
    if (user === undefined || password === undefined)
      throw new Error(`invalid login configuration: ${what}_USERNAME and ${what}_PASSWORD go together`);
    return { username: user, password };
  };
  const kafka = pair(e.KAFKA_SASL_USERNAME, e.KAFKA_SASL_PASSWORD, 'KAFKA_SASL');
  const connect = pair(e.CONNECT_USERNAME, e.CONNECT_PASSWORD, 'CONNECT');
  const kafkaSasl = kafka ? ({ mechanism: e.KAFKA_SASL_MECHANISM, ...kafka } as KafkaSasl) : fallback.kafkaSasl;
  const connectLogin = connect ?? fallback.connectLogin;
  return { ...(kafkaSasl ? { kafkaSasl } : {}), ...(connectLogin ? { connectLogin } : {}) };
}
