import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

/** Ajv options of every request part; `coerceTypes` is decided per part below. */
export const AJV_OPTIONS = { removeAdditional: false, useDefaults: true, coerceTypes: 'array' } as const;

/**
 * Fastify's default validator compiler (`@fastify/ajv-compiler`, with its formats), built twice:
 * query strings, params and headers arrive as text, so `?page=2` may coerce to a number; a JSON
 * body already has types, so it is validated WITHOUT coercion ("7" is not a number, null is
 * not 0). Fastify hands `httpPart` to the validator compiler for exactly this choice.
 */
export function validationOptions(): Pick<FastifyServerOptions, 'ajv' | 'schemaController'> {
  const fromPool = AjvCompiler();
  return {
    ajv: { customOptions: { ...AJV_OPTIONS } },
    schemaController: {
      compilersFactory: {
        buildValidator(externalSchemas, ajvServerOptions) {
          if (ajvServerOptions?.mode === 'JTD') throw new Error('the api validates with JSON Schema, not JTD');
          const coercing = fromPool(externalSchemas, ajvServerOptions);
          const strict = fromPool(externalSchemas, {
            ...ajvServerOptions,
            customOptions: { ...ajvServerOptions?.customOptions, coerceTypes: false },
          });
          return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
        },
      },
    },
  };
}
