import { parseTargets, resolveDatabaseUrl } from '../src/cli';

describe('migrate cli arguments and environment', () => {
  it('targets all databases by default, or the one named', () => {
    expect(parseTargets([])).toEqual(['commerce', 'streamer']);
    expect(parseTargets(['all'])).toEqual(['commerce', 'streamer']);
    expect(parseTargets(['streamer'])).toEqual(['streamer']);
    expect(() => parseTargets(['orders'])).toThrow('unknown database "orders"');
    expect(() => parseTargets(['commerce', 'streamer'])).toThrow('at most one argument');
  });

  it('takes the URL from the environment, validated', () => {
    const url = 'postgresql://u:p@db.example:6543/shop';
    expect(resolveDatabaseUrl('commerce', { COMMERCE_DATABASE_URL: url })).toBe(url);
    expect(() => resolveDatabaseUrl('streamer', { STREAMER_DATABASE_URL: 'not a url' })).toThrow(
      'STREAMER_DATABASE_URL is not a valid URL',
    );
    expect(() => resolveDatabaseUrl('commerce', { COMMERCE_DATABASE_URL: 'mysql://h/db' })).toThrow(
      'must be a postgres:// or postgresql:// URL',
    );
    expect(() => resolveDatabaseUrl('commerce', { COMMERCE_DATABASE_URL: 'postgres://h:5432/' })).toThrow(
      'must name a database',
    );
  });

  it('defaults to the stack configuration', () => {
    expect(resolveDatabaseUrl('streamer', { STACK_PROFILE: 'test' })).toBe(
      'postgresql://outbox:outbox@127.0.0.1:15432/streamer',
    );
    expect(resolveDatabaseUrl('commerce', { PG_PORT: '7000', PG_PASSWORD: 'p@ss' })).toBe(
      'postgresql://outbox:p%40ss@127.0.0.1:7000/commerce',
    );
  });
});
