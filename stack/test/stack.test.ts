import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Component } from '../src/components/component';
import { StackError } from '../src/errors';
import { isPortOpen, managedProcess, runningPid, startDetached } from '../src/processes';
import { down, statusOf, up } from '../src/stack';

/**
 * The orchestrator's promises (order, idempotence, explained failures, forced stop), checked
 * with tiny node processes standing in for servers. The real servers are covered by e2e/.
 */
const dir = mkdtempSync(join(tmpdir(), 'stack-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Below the kernel's ephemeral range (32768+), so an outgoing connection elsewhere cannot take one.
let nextPort = 24000 + Math.floor(Math.random() * 1000);

function nodeServer(name: string, script: string, opts: { dependsOn?: string[]; port?: number } = {}): Component {
  const port = opts.port ?? nextPort++;
  const proc = managedProcess(join(dir, 'run'), join(dir, 'logs'), name);
  return {
    name,
    address: `127.0.0.1:${port}`,
    ports: [port],
    process: proc,
    dependsOn: opts.dependsOn ?? [],
    dataDirs: [],
    prepare: async () => undefined,
    launch: async () =>
      startDetached(proc, { command: process.execPath, args: ['-e', script.replace('PORT', String(port))] }),
    healthy: () => isPortOpen('127.0.0.1', port),
    version: async () => 'test',
  };
}

const listening = `require('http').createServer((q, s) => s.end('ok')).listen(PORT, '127.0.0.1')`;
const ignoresSigterm = `process.on('SIGTERM', () => {}); ${listening}`;

describe('stack orchestration', () => {
  it('starts in order, is idempotent, and stops', async () => {
    const a = nodeServer('a', listening);
    const b = nodeServer('b', listening, { dependsOn: ['a'] });
    const first = await up([a, b], 10_000);
    expect(first.map((r) => [r.name, r.action])).toEqual([
      ['a', 'started'],
      ['b', 'started'],
    ]);
    const second = await up([a, b], 10_000);
    expect(second.map((r) => r.action)).toEqual(['already-running', 'already-running']);
    expect(second.map((r) => r.pid)).toEqual(first.map((r) => r.pid));
    expect((await statusOf(b)).state).toBe('healthy');

    await down([a, b], 5_000, false);
    expect(runningPid(a.process)).toBeUndefined();
    expect((await statusOf(a)).state).toBe('stopped');
  });

  it('brings back only the component that crashed', async () => {
    const a = nodeServer('c', listening);
    const b = nodeServer('d', listening);
    const [ra] = await up([a, b], 10_000);
    process.kill(runningPid(b.process) as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const again = await up([a, b], 10_000);
    expect(again.map((r) => r.action)).toEqual(['already-running', 'started']);
    expect(again[0]?.pid).toBe(ra?.pid);
    await down([a, b], 5_000, false);
  });

  it('names the component and the port when the port is taken', async () => {
    const port = nextPort++;
    const squatter: Server = createServer().listen(port, '127.0.0.1');
    try {
      const c = nodeServer('kafka-like', listening, { port });
      await expect(up([c], 5_000)).rejects.toThrow(
        new StackError(
          'kafka-like',
          `port ${port} is already in use by another process; stop it or choose another port (see README, "Configuration")`,
        ),
      );
    } finally {
      squatter.close();
    }
  });

  it('explains a server that exits during start-up, with its log', async () => {
    const c = nodeServer('crashy', `console.error('boom: missing config'); process.exit(3)`);
    const error = await up([c], 5_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).message).toBe(`crashy: exited during start-up (log: ${c.process.logFile})`);
    expect((error as StackError).describe()).toContain('boom: missing config');
  });

  it('refuses to start a component whose dependency is down', async () => {
    const kafka = nodeServer('kafka', listening);
    const connect = nodeServer('connect', listening, { dependsOn: ['kafka'] });
    await expect(up([kafka, connect], 5_000, ['connect'])).rejects.toThrow(
      /connect: needs kafka, which is not running and healthy/,
    );
    expect(runningPid(connect.process)).toBeUndefined();
  });

  it('kills a server that ignores the graceful signal after the timeout', async () => {
    const stubborn = nodeServer('stubborn', ignoresSigterm);
    await up([stubborn], 10_000);
    const lines: string[] = [];
    await down([stubborn], 1_000, false, (line) => lines.push(line));
    expect(lines).toEqual(['✓ stubborn killed after 1s']);
    expect(runningPid(stubborn.process)).toBeUndefined();
  });

  it('reports "was not running" when nothing runs', async () => {
    const idle = nodeServer('idle', listening);
    const lines: string[] = [];
    await down([idle], 1_000, false, (line) => lines.push(line));
    expect(lines).toEqual(['· idle was not running']);
  });
});
