import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Server versions, pinned once in stack/versions.json. */
export interface StackVersions {
  postgres: string;
  redis: string;
  kafka: string;
  debezium: string;
  apicurio: string;
  log4j: string;
}

export const versionsFile = join(__dirname, '..', 'versions.json');

export function loadVersions(file = versionsFile): StackVersions {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const keys: (keyof StackVersions)[] = ['postgres', 'redis', 'kafka', 'debezium', 'apicurio', 'log4j'];
  const versions = {} as StackVersions;
  for (const key of keys) {
    const value = raw[key];
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`${file}: "${key}" must be a non-empty version string`);
    }
    versions[key] = value;
  }
  return versions;
}
