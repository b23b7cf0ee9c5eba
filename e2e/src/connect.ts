import { eventually, endpoints } from './index';

/** Minimal Kafka Connect REST calls the tests need (the connect/ command is the user-facing tool). */
export async function connectRequest<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${endpoints.connectUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

interface ConnectorStatus {
  connector: { state: string };
  tasks: { id: number; state: string; trace?: string }[];
}

/** Waits until the connector and all its tasks are RUNNING; fails at once with the trace of a FAILED task. */
export function waitForRunning(name: string, timeoutMs = 90_000): Promise<ConnectorStatus> {
  return eventually(
    `connector ${name} RUNNING`,
    async () => {
      const { status, body } = await connectRequest<ConnectorStatus>('GET', `/connectors/${name}/status`);
      if (status !== 200) return undefined;
      const failed = body.tasks.find((t) => t.state === 'FAILED');
      if (failed) throw new Error(`task ${failed.id} FAILED: ${failed.trace?.split('\n')[0]}`);
      const running =
        body.connector.state === 'RUNNING' && body.tasks.length > 0 && body.tasks.every((t) => t.state === 'RUNNING');
      return running ? body : undefined;
    },
    timeoutMs,
  );
}
