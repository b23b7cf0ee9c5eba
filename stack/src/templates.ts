import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderTemplate } from '@outbox/config';

export const templateDir = join(__dirname, '..', 'config');

/** Renders stack/config/<template> into `target` and returns the target path. */
export function writeConfig(template: string, target: string, values: Record<string, string | number>): string {
  const text = renderTemplate(readFileSync(join(templateDir, template), 'utf8'), values);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  return target;
}
