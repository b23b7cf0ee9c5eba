import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderTemplate } from '@outbox/config';

export const templateDir = join(__dirname, '..', 'config');

/**
 * Renders stack/config/<template> into `target` (plus `extra` lines) and returns the target path.
 * Readable by its owner only: the cluster's configurations hold passwords.
 */
export function writeConfig(
  template: string,
  target: string,
  values: Record<string, string | number>,
  extra = '',
): string {
  const text = renderTemplate(readFileSync(join(templateDir, template), 'utf8'), values) + extra;
  writePrivate(target, text);
  return target;
}

/** Writes a file only its owner may read (replacing one written before with wider rights). */
export function writePrivate(target: string, text: string): void {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text, { mode: 0o600 });
  chmodSync(target, 0o600);
}
