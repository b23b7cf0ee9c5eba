import Redis from 'ioredis';
import { endpoints, uniqueName } from '../../src';

describe('Redis', () => {
  const redis = new Redis(endpoints.redisUrl, { lazyConnect: true });
  beforeAll(() => redis.connect());
  afterAll(() => redis.quit());

  it('answers PING and reports a 7.x server', async () => {
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.info('server')).toMatch(/redis_version:7\./);
  });

  it('stores and expires a key', async () => {
    const key = uniqueName('smoke');
    await redis.set(key, 'value', 'EX', 60);
    expect(await redis.get(key)).toBe('value');
    expect(await redis.ttl(key)).toBeGreaterThan(0);
    await redis.del(key);
    expect(await redis.get(key)).toBeNull();
  });
});
