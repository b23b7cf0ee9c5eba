import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ensureDebianPackage, onPath } from '../install';
import { managedProcess, niced, startDetached } from '../processes';
import type { Component, ComponentContext } from './component';

export function redisComponent({ config }: ComponentContext): Component {
  const { host } = config;
  const { port } = config.redis;
  const dataDir = join(config.dataDir, 'redis');
  const proc = managedProcess(config.runDir, config.logDir, 'redis');

  const withClient = async <T>(use: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis({
      host,
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 2000,
    });
    client.on('error', () => undefined); // surfaced through the rejected command instead
    try {
      await client.connect();
      return await use(client);
    } finally {
      client.disconnect();
    }
  };

  return {
    name: 'redis',
    address: `${host}:${port}`,
    ports: [port],
    process: proc,
    dependsOn: [],
    dataDirs: [dataDir],

    async prepare() {
      ensureDebianPackage('redis', 'redis-server', () => onPath('redis-server'));
      mkdirSync(dataDir, { recursive: true });
    },

    async launch() {
      // Caches only: no persistence, so a restart starts cold (as a cache should).
      const args = [
        '--bind',
        host,
        '--port',
        String(port),
        '--dir',
        dataDir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ];
      return startDetached(proc, niced(config.nice, 'redis-server', args));
    },

    async healthy() {
      return withClient(async (client) => (await client.ping()) === 'PONG');
    },

    async version() {
      return withClient(async (client) => /redis_version:(\S+)/.exec(await client.info('server'))?.[1]);
    },
  };
}
