import type { Credential } from '@outbox/config';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TaskStatus {
  id: number;
  state: string;
  worker_id: string;
  trace?: string;
}

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: TaskStatus[];
}

export class ConnectRestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectRestError';
  }
}

/** The Authorization header of a basic-auth login (the cluster's Connect REST API wants one). */
export function basicAuthHeader(login: Credential | undefined): Record<string, string> {
  if (!login) return {};
  return { authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` };
}

/** Connect's error body is JSON ({"message"}), a login refusal's is not. */
function detailOf(text: string, fallback: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text.trim().slice(0, 200) || fallback;
  }
}

/** The few Kafka Connect REST calls the pipeline needs. */
export class ConnectClient {
  /** login: the basic-auth user of a Connect whose REST API asks for one (the cluster topology). */
  constructor(
    private readonly baseUrl: string,
    private readonly login?: Credential,
  ) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...basicAuthHeader(this.login),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status === 404 && method === 'GET') return undefined;
    if (response.status === 401 || response.status === 403) {
      const who = this.login ? `the login "${this.login.username}"` : 'a request without a login';
      throw new ConnectRestError(
        response.status,
        `${method} ${path}: Kafka Connect at ${this.baseUrl} refused ${who} (HTTP ${response.status}); set CONNECT_USERNAME and CONNECT_PASSWORD`,
      );
    }
    if (!response.ok) {
      throw new ConnectRestError(
        response.status,
        `${method} ${path}: HTTP ${response.status}: ${detailOf(text, response.statusText)}`,
      );
    }
    return text ? (JSON.parse(text) as T) : undefined;
  }

  /** Creates or updates the connector; returns true when the config changed. */
  async putConfig(name: string, config: Record<string, string>): Promise<boolean> {
    const current = await this.config(name);
    const desired = { ...config, name };
    if (current && sameConfig(current, desired)) return false;
    await this.request('PUT', `/connectors/${name}/config`, config);
    return true;
  }

  /** The connector's stored config, or undefined when there is no such connector. */
  config(name: string): Promise<Record<string, string> | undefined> {
    return this.request<Record<string, string>>('GET', `/connectors/${name}/config`);
  }

  /** The connector plugin classes the worker loaded. */
  async plugins(): Promise<string[]> {
    const plugins = await this.request<{ class: string }[]>('GET', '/connector-plugins');
    return (plugins ?? []).map((p) => p.class);
  }

  status(name: string): Promise<ConnectorStatus | undefined> {
    return this.request<ConnectorStatus>('GET', `/connectors/${name}/status`);
  }

  /** Restarts the connector and those of its tasks that FAILED. */
  async restart(name: string, onlyFailed = true): Promise<void> {
    await this.request('POST', `/connectors/${name}/restart?includeTasks=true&onlyFailed=${onlyFailed}`);
  }

  /** Pauses the connector and its tasks (they keep their place; the slot keeps the WAL meanwhile). */
  async pause(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${name}/pause`);
  }

  async resume(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${name}/resume`);
  }

  async delete(name: string): Promise<void> {
    await this.request('DELETE', `/connectors/${name}`);
  }

  /** Polls until the connector and every task are RUNNING; a FAILED task fails at once with its trace. */
  async waitForRunning(name: string, timeoutMs = 60_000): Promise<ConnectorStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: ConnectorStatus | undefined;
    while (Date.now() < deadline) {
      last = await this.status(name);
      const failed = last?.tasks.find((t) => t.state === 'FAILED');
      if (failed)
        throw new Error(`connector ${name}: task ${failed.id} FAILED: ${failed.trace?.split('\n')[0] ?? 'no trace'}`);
      if (last?.connector.state === 'FAILED')
        throw new Error(`connector ${name} FAILED: ${last.connector.trace?.split('\n')[0] ?? ''}`);
      if (
        last &&
        last.connector.state === 'RUNNING' &&
        last.tasks.length > 0 &&
        last.tasks.every((t) => t.state === 'RUNNING')
      )
        return last;
      await sleep(250);
    }
    throw new Error(
      `connector ${name} not RUNNING after ${timeoutMs} ms (last state: ${JSON.stringify(last ?? 'absent')})`,
    );
  }
}

function sameConfig(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/**
 * The first worker whose REST API answers (any worker of a group serves the whole group's API
 * and forwards writes to the leader); the first URL when none answers, so the error names it.
 */
export async function reachableConnectUrl(urls: string[]): Promise<string> {
  for (const url of urls) {
    // A worker that asks for a login (401) is up: the client's request then says whether its login is good.
    const ok = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.ok || r.status === 401)
      .catch(() => false);
    if (ok) return url;
  }
  return urls[0] ?? '';
}

/** A client of the first worker that answers, logged in as `login` when the API asks for one. */
export async function connectClientOf(urls: string[], login?: Credential): Promise<ConnectClient> {
  return new ConnectClient(await reachableConnectUrl(urls), login);
}
