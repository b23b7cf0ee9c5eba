import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { repoRoot } from '@outbox/config';
import { loadVersions } from '@outbox/stack';
import type { Client } from 'pg';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  kafka: string;
  kafkaConnect: string | undefined;
  debezium: string;
  apicurioRegistry: string;
  redis: string;
}

export interface GitInfo {
  commit: string;
  /** Uncommitted changes in the working tree (a previous run's results aside) when the run started. */
  dirty: boolean;
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
}

export function gitInfo(): GitInfo {
  try {
    return {
      commit: git(['rev-parse', 'HEAD']),
      dirty: git(['status', '--porcelain', '--', '.', ':!bench/results']).length > 0,
    };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/** Versions of the running servers where they tell (PostgreSQL, Connect), else the pinned ones (stack/versions.json). */
export async function machineInfo(commerce: Client, connectUrl: string): Promise<MachineInfo> {
  const versions = loadVersions();
  const { rows } = await commerce.query<{ server_version: string }>('SHOW server_version');
  const connect = await fetch(connectUrl)
    .then((r) => r.json() as Promise<{ version?: string }>)
    .catch(() => ({ version: undefined }));
  const plugins = await fetch(`${connectUrl}/connector-plugins`)
    .then((r) => r.json() as Promise<{ class: string; version: string }[]>)
    .catch(() => []);
  const debezium = plugins.find((p) => p.class.endsWith('PostgresConnector'))?.version ?? versions.debezium;
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: rows[0]?.server_version ?? versions.postgres,
    kafka: versions.kafka,
    kafkaConnect: connect.version,
    debezium,
    apicurioRegistry: versions.apicurio,
    redis: versions.redis,
  };
}
