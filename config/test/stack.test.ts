import { readFileSync } from 'node:fs';
import { endpointsOf, loadStackConfig, TEST_PORT_OFFSET } from '../src/stack';

describe('loadStackConfig', () => {
  it('uses the documented default ports for the dev profile', () => {
    const config = loadStackConfig({});
    expect([
      config.postgres.port,
      config.redis.port,
      config.kafka.port,
      config.registry.port,
      config.connect.port,
    ]).toEqual([5432, 6379, 9092, 8081, 8083]);
  });

  it('shifts every port for the test profile and keeps its data apart', () => {
    const dev = loadStackConfig({});
    const test = loadStackConfig({ STACK_PROFILE: 'test' });
    expect(test.kafka.port).toBe(dev.kafka.port + TEST_PORT_OFFSET);
    expect(test.connect.port).toBe(dev.connect.port + TEST_PORT_OFFSET);
    expect(test.home).not.toBe(dev.home);
    expect(test.cacheDir).toBe(dev.cacheDir);
  });

  it('keeps every default port of every profile and topology below the ephemeral range', () => {
    // Ports from 32768 up may be taken at any moment by an outgoing connection's local end.
    const [ephemeralStart] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    for (const STACK_PROFILE of ['dev', 'test'])
      for (const STACK_TOPOLOGY of ['single', 'cluster']) {
        const c = loadStackConfig({ STACK_PROFILE, STACK_TOPOLOGY });
        const ports = [
          c.postgres.port,
          c.redis.port,
          c.registry.port,
          c.registry.managementPort,
          ...c.kafka.nodes.flatMap((n) => [n.port, n.controllerPort]),
          ...c.connect.workers.flatMap((w) => [w.port, ...(w.adminPort === undefined ? [] : [w.adminPort])]),
        ];
        expect({ STACK_PROFILE, STACK_TOPOLOGY, over: ports.filter((p) => p >= Number(ephemeralStart)) }).toEqual({
          STACK_PROFILE,
          STACK_TOPOLOGY,
          over: [],
        });
      }
  });

  it('takes overrides from the environment', () => {
    const config = loadStackConfig({ KAFKA_PORT: '29092', STACK_HOST: 'localhost' });
    expect(endpointsOf(config, 'tester').kafkaBrokers).toEqual(['localhost:29092']);
  });

  it('rejects a port that is not a port, naming the variable', () => {
    expect(() => loadStackConfig({ PG_PORT: 'abc' })).toThrow(/PG_PORT/);
    expect(() => loadStackConfig({ REDIS_PORT: '70000' })).toThrow(/REDIS_PORT/);
  });

  it('rejects two components on one port', () => {
    expect(() => loadStackConfig({ REDIS_PORT: '5432' })).toThrow(/both use port 5432/);
  });
});
