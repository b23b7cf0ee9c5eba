/**
 * Writes src/generated/event-types.ts from the .avsc files (the only source of event shapes).
 *   npm run generate -w @outbox/events            write the file
 *   npm run generate -w @outbox/events -- --check exit 1 when the file is out of date
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadCatalogue } from '../src/catalogue';
import { GENERATED_TYPES_FILE, renderEventTypes } from '../src/codegen';

const target = join(__dirname, '..', GENERATED_TYPES_FILE);
const text = renderEventTypes(loadCatalogue().entries);
let current: string | undefined;
try {
  current = readFileSync(target, 'utf8');
} catch {
  current = undefined;
}

if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(`${GENERATED_TYPES_FILE} is out of date: run npm run generate -w @outbox/events`);
    process.exit(1);
  }
  console.log(`${GENERATED_TYPES_FILE} is up to date`);
} else if (current === text) {
  console.log(`${GENERATED_TYPES_FILE} is up to date`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${GENERATED_TYPES_FILE}`);
}
