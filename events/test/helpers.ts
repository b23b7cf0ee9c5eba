import { randomBytes } from 'node:crypto';
import { endpointsOf, loadStackConfig } from '@outbox/config';

/** The Confluent-compatible API of the test-profile registry (jest sets STACK_PROFILE=test). */
export const registryUrl = endpointsOf(loadStackConfig(), 'tester').registryUrl;

/** A prefix no other test run uses, for throwaway subjects and record names. */
export function uniquePrefix(label: string): string {
  return `${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A raw call to the registry's ccompat API. */
export async function registryHttp(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${registryUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

/** Deletes a throwaway subject (soft, then permanent). */
export async function deleteSubject(subject: string): Promise<void> {
  await registryHttp('DELETE', `/subjects/${encodeURIComponent(subject)}`);
  await registryHttp('DELETE', `/subjects/${encodeURIComponent(subject)}?permanent=true`);
}
