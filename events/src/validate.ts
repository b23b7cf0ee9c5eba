import * as avro from 'avsc';
import { CATALOGUE, type Catalogue, type CatalogueEntry } from './catalogue';
import { show } from './describe';
import { contractIssues } from './contract';
import { EventValidationError, type ValidationIssue } from './errors';
import type { CommerceEvent } from './generated/event-types';

/**
 * Checks an event against the schema of its `eventType` (types, missing and undeclared fields,
 * aggregateType of the catalogue), then against the rules of the contract (contract.ts). Returns its catalogue entry or throws
 * `EventValidationError` naming the event type and the field paths.
 */
export function validateEvent(event: unknown, catalogue: Catalogue = CATALOGUE): CatalogueEntry {
  const candidate = (event ?? {}) as Record<string, unknown>;
  const eventType = typeof candidate.eventType === 'string' ? candidate.eventType : undefined;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new EventValidationError(eventType, [{ path: '', message: `expected an object, got ${show(event)}` }]);
  }
  const entry = eventType === undefined ? undefined : catalogue.byEventType.get(eventType);
  if (!entry) {
    throw new EventValidationError(eventType, [
      {
        path: 'eventType',
        message: `expected one of ${[...catalogue.byEventType.keys()].join(', ')}, got ${show(candidate.eventType)}`,
      },
    ]);
  }
  const issues: ValidationIssue[] = [];
  entry.type.isValid(event, {
    errorHook: (path, value, type) => {
      issues.push({ path: formatPath(path), message: describeMismatch(value, type) });
    },
  });
  entry.type.isValid(event, {
    noUndeclaredFields: true,
    errorHook: (path, value, type) => {
      if (!(type instanceof avro.types.RecordType) || typeof value !== 'object' || value === null) return;
      const declared = new Set(type.fields.map((field) => field.name));
      for (const key of Object.keys(value)) {
        if (!declared.has(key)) {
          issues.push({ path: formatPath([...path, key]), message: `not a field of ${type.name ?? 'the record'}` });
        }
      }
    },
  });
  if (typeof candidate.aggregateType === 'string' && candidate.aggregateType !== entry.aggregateType) {
    issues.push({
      path: 'aggregateType',
      message: `expected '${entry.aggregateType}' for ${entry.eventType}, got ${show(candidate.aggregateType)}`,
    });
  }
  // The contract's rules read typed fields: only an event that matches its schema gets there.
  if (issues.length === 0) issues.push(...contractIssues(event as CommerceEvent));
  if (issues.length > 0) throw new EventValidationError(eventType, issues);
  return entry;
}

function formatPath(path: readonly string[]): string {
  return path.reduce((text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

function describeMismatch(value: unknown, type: avro.Type): string {
  const expected = describeType(type);
  return value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${show(value)}`;
}

function describeType(type: avro.Type): string {
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return type.types.map(describeType).join(' | ');
  }
  if (type instanceof avro.types.RecordType) return `record ${type.name ?? ''}`.trim();
  if (type instanceof avro.types.ArrayType) return `array of ${describeType(type.itemsType)}`;
  return type.typeName;
}
