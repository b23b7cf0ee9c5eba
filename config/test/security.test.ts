import { clientLoginsFromEnv, endpointsOf, loadStackConfig } from '../src';

describe('logins by identity', () => {
  const cluster = loadStackConfig({ STACK_TOPOLOGY: 'cluster', STACK_SECRET: 'a-test-secret' });

  it('gives each identity of the cluster its own PostgreSQL role, Kafka principal and Connect login', () => {
    const url = (identity: Parameters<typeof endpointsOf>[1]) =>
      new URL(endpointsOf(cluster, identity).postgresUrl('commerce'));
    expect(['admin', 'api', 'streamer', 'reader', 'tester'].map((i) => url(i as 'api').username)).toEqual([
      'outbox_owner',
      'outbox_api',
      'outbox_streamer',
      'outbox_reader',
      'outbox',
    ]);
    expect(endpointsOf(cluster, 'streamer').kafkaSasl).toMatchObject({
      mechanism: 'scram-sha-512',
      username: 'streamer',
    });
    expect(endpointsOf(cluster, 'reader').connectLogin?.username).toBe('connect-reader');
    expect(endpointsOf(cluster, 'api').kafkaSasl).toBeUndefined();
  });

  it('derives a distinct password per login from the secret, and a new secret changes them all', () => {
    const passwords = Object.values(cluster.security!.postgres).map((l) => l.password);
    expect(new Set(passwords).size).toBe(passwords.length);
    const other = loadStackConfig({ STACK_TOPOLOGY: 'cluster', STACK_SECRET: 'another-secret' });
    expect(other.security!.kafka.streamer.password).not.toBe(cluster.security!.kafka.streamer.password);
    expect(loadStackConfig({ STACK_TOPOLOGY: 'cluster', STACK_SECRET: 'a-test-secret' }).security).toEqual(
      cluster.security,
    );
  });

  it('leaves the single topology open: the superuser everywhere, no Kafka or Connect login', () => {
    const single = loadStackConfig({});
    expect(single.security).toBeUndefined();
    const api = endpointsOf(single, 'api');
    expect(new URL(api.postgresUrl('commerce')).username).toBe('outbox');
    expect([endpointsOf(single, 'streamer').kafkaSasl, endpointsOf(single, 'reader').connectLogin]).toEqual([
      undefined,
      undefined,
    ]);
  });
});

describe('clientLoginsFromEnv', () => {
  it("takes a deployment's own logins over the stack's, and refuses half a pair", () => {
    const fallback = { kafkaSasl: { mechanism: 'scram-sha-512' as const, username: 'streamer', password: 'p' } };
    expect(clientLoginsFromEnv({ KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 's3cret' }, fallback)).toEqual({
      kafkaSasl: { mechanism: 'scram-sha-512', username: 'svc', password: 's3cret' },
    });
    expect(clientLoginsFromEnv({}, fallback)).toEqual(fallback);
    expect(() => clientLoginsFromEnv({ CONNECT_USERNAME: 'x' }, {})).toThrow(
      /CONNECT_USERNAME and CONNECT_PASSWORD go together/,
    );
  });
});
