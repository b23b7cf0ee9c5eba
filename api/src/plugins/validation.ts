import { AjvCompiler, type Ajv } from '@fastify/ajv-compiler';
import { isUuid } from '@outbox/events';
import type { FastifyServerOptions } from 'fastify';

/** Ajv options of every request part; `coerceTypes` is decided per part below. */
export const AJV_OPTIONS = { removeAdditional: false, useDefaults: true, coerceTypes: 'array' } as const;

/**
 * Schema keyword of a request string: when the value is a UUID, validation replaces it with
 * its canonical spelling (lower case). Every query, outbox row (the Kafka key), cache key and
 * response then sees one spelling, so two spellings can never make two aggregates.
 */
export const CANONICAL_UUID = 'x-canonical-uuid';

/** The api's one UUID syntax, and the keyword that canonicalises UUIDs, in every Ajv instance. */
function addUuidRules(ajv: Ajv): void {
  // Replaces ajv-formats' `uuid`, which also takes a `urn:uuid:` prefix that PostgreSQL refuses.
  ajv.addFormat('uuid', { type: 'string', validate: isUuid });
  ajv.addKeyword({
    keyword: CANONICAL_UUID,
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    errors: false,
    validate: (enabled: boolean, value: string, _schema, place) => {
      if (enabled && place && isUuid(value)) {
        (place.parentData as Record<string | number, unknown>)[place.parentDataProperty] = value.toLowerCase();
      }
      return true;
    },
  });
}

/**
 * Fastify's default validator compiler (`@fastify/ajv-compiler`, with its formats), built twice:
 * query strings, params and headers arrive as text, so `?page=2` may coerce to a number; a JSON
 * body already has types, so it is validated WITHOUT coercion ("7" is not a number, null is
 * not 0). Fastify hands `httpPart` to the validator compiler for exactly this choice. Both
 * canonicalise UUIDs (CANONICAL_UUID).
 */
export function validationOptions(): Pick<FastifyServerOptions, 'ajv' | 'schemaController'> {
  const fromPool = AjvCompiler();
  return {
    ajv: { customOptions: { ...AJV_OPTIONS } },
    schemaController: {
      compilersFactory: {
        buildValidator(externalSchemas, ajvServerOptions) {
          if (ajvServerOptions?.mode === 'JTD') throw new Error('the api validates with JSON Schema, not JTD');
          const options = { ...ajvServerOptions, onCreate: addUuidRules };
          const coercing = fromPool(externalSchemas, options);
          const strict = fromPool(externalSchemas, {
            ...options,
            customOptions: { ...ajvServerOptions?.customOptions, coerceTypes: false },
          });
          return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
        },
      },
    },
  };
}
