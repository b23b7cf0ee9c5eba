import { loadStreamerConfig } from '../src/config';
import { exponentialBackoff } from '../src/strategies/backoff';

describe('streamer configuration', () => {
  it('has batch mode, bounded attempts and an inbox retention longer than the topics by default', () => {
    const config = loadStreamerConfig({ STACK_PROFILE: 'dev' });
    expect(config).toMatchObject({
      applyMode: 'batch',
      maxAttempts: 5,
      metricsGroupId: 'metrics',
      cacheGroupId: 'cache-invalidation',
      port: 3001,
    });
    expect(config.inboxRetentionMs).toBe(14 * 24 * 60 * 60 * 1000);
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
  });

  it('rejects bad values, naming the variable', () => {
    expect(() => loadStreamerConfig({ APPLY_MODE: 'fast' })).toThrow(/APPLY_MODE/);
    expect(() => loadStreamerConfig({ MAX_ATTEMPTS: '0' })).toThrow(/MAX_ATTEMPTS/);
    expect(() => loadStreamerConfig({ STREAMER_DATABASE_URL: 'not a url' })).toThrow(/STREAMER_DATABASE_URL/);
  });

  it('takes a short consumer session on the cluster topology, and the one it is given anywhere', () => {
    expect(loadStreamerConfig({ STACK_PROFILE: 'dev' }).sessionTimeoutMs).toBe(10_000);
    expect(loadStreamerConfig({ STACK_PROFILE: 'dev', STACK_TOPOLOGY: 'cluster' }).sessionTimeoutMs).toBe(3_000);
    expect(loadStreamerConfig({ STACK_TOPOLOGY: 'cluster', KAFKA_SESSION_TIMEOUT_MS: '6000' }).sessionTimeoutMs).toBe(
      6_000,
    );
  });

  it('takes a broker list', () => {
    expect(loadStreamerConfig({ KAFKA_BROKERS: 'a:1, b:2' }).kafkaBrokers).toEqual(['a:1', 'b:2']);
  });
});

describe('exponential backoff', () => {
  it('doubles the ceiling per attempt up to the maximum, with jitter in the upper half', () => {
    const low = exponentialBackoff(100, 1000, () => 0);
    const high = exponentialBackoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(low)).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map(high)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
