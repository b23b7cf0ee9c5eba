import { LoginRefusedError } from '@outbox/config';
import type { Kafka } from 'kafkajs';

/** kafkajs wraps the broker's answer; the refusal may sit a few causes deep. */
function refusalOf(err: unknown): { name: string; type?: string; message: string } | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth += 1) {
    const fields = e as { name?: unknown; type?: unknown; message?: unknown; cause?: unknown; originalError?: unknown };
    const name = typeof fields.name === 'string' ? fields.name : '';
    const type = typeof fields.type === 'string' ? fields.type : undefined;
    const message = typeof fields.message === 'string' ? fields.message : '';
    if (name === 'KafkaJSSASLAuthenticationError' || type?.endsWith('AUTHORIZATION_FAILED')) {
      return { name, type, message };
    }
    e = fields.originalError ?? fields.cause;
  }
  return undefined;
}

/**
 * Logs in once and describes the topics the program will use. A refused login or a missing
 * ACL throws a LoginRefusedError naming the login; unreachable brokers are left to the
 * program's own waiting.
 */
export async function checkKafkaLogin(kafka: Kafka, login: string | undefined, topics: string[]): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  const who = login ? `the login "${login}"` : 'a client without a login';
  try {
    await admin.connect();
    await admin.fetchTopicMetadata({ topics });
  } catch (err) {
    const refusal = refusalOf(err);
    if (refusal) {
      const what = refusal.type ? `${refusal.type} (${topics.join(', ')})` : refusal.message;
      throw new LoginRefusedError('kafka', `Kafka refused ${who}: ${what}`);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
