import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const templateDir = join(__dirname, '..', 'config');

/** Replaces ${UPPER_CASE} placeholders; a placeholder without a value is an error, not an empty string. */
export function renderTemplate(text: string, values: Record<string, string | number>): string {
  return text.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder \${${name}} has no value`);
    return String(value);
  });
}

/** Renders stack/config/<template> into `target` and returns the target path. */
export function writeConfig(template: string, target: string, values: Record<string, string | number>): string {
  const text = renderTemplate(readFileSync(join(templateDir, template), 'utf8'), values);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  return target;
}
