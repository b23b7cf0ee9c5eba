import { loadApiConfig } from '../src/config';

describe('api configuration', () => {
  it('defaults to the native stack and a 7-day outbox retention', () => {
    const config = loadApiConfig({ STACK_PROFILE: 'dev' });
    expect(config.databaseUrl).toBe('postgresql://outbox:outbox@127.0.0.1:5432/commerce');
    expect(config.outboxRetentionMs).toBe(7 * 24 * 60 * 60 * 1000);
    expect([config.port, config.host, config.bodyLimitBytes]).toEqual([3000, '127.0.0.1', 65536]);
    // A request waits at most 5 s for a pooled connection, then answers 503 TRY_AGAIN.
    expect(config.databasePoolTimeoutMs).toBe(5000);
  });

  it('rejects bad values, naming the variable', () => {
    expect(() => loadApiConfig({ API_PORT: '99999' })).toThrow(/API_PORT/);
    expect(() => loadApiConfig({ OUTBOX_RETENTION_DAYS: '-1' })).toThrow(/OUTBOX_RETENTION_DAYS/);
    expect(() => loadApiConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
