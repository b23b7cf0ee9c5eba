import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE } from '../src';
import { GENERATED_TYPES_FILE, renderEventTypes } from '../src/codegen';

describe('generated event types', () => {
  it('match the .avsc files (else: run npm run generate -w @outbox/events)', () => {
    const committed = readFileSync(join(__dirname, '..', GENERATED_TYPES_FILE), 'utf8');
    const fresh = renderEventTypes(CATALOGUE.entries);
    if (committed !== fresh) {
      throw new Error(`${GENERATED_TYPES_FILE} is out of date: run npm run generate -w @outbox/events`);
    }
    expect(committed).toBe(fresh);
  });

  it('change when a schema changes (the check above can fail)', () => {
    const [first, ...rest] = CATALOGUE.entries;
    if (!first) throw new Error('empty catalogue');
    const changed = {
      ...first,
      schema: { ...first.schema, fields: [...first.schema.fields, { name: 'extra', type: 'int' }] },
    };
    const text = renderEventTypes([changed, ...rest]);
    expect(text).not.toBe(renderEventTypes(CATALOGUE.entries));
    expect(text).toContain('  extra: number;');
  });

  it('render a discriminated union with literal eventType and aggregateType', () => {
    const text = renderEventTypes(CATALOGUE.entries);
    expect(text).toContain("  eventType: 'ORDER_CREATED';\n  /** ");
    expect(text).toContain("  aggregateType: 'order';");
    expect(text).toContain('  items: OrderItem[];');
    expect(text).toContain('  memberId: null | string;');
    expect(text).toMatch(/export type CommerceEvent =\n {2}\| ProductLiked\n/);
  });
});
