import type { z } from 'zod';

/** Validates environment variables against a schema; the error names every bad variable. */
export function parseEnv<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv, what: string): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid ${what} configuration: ${problems}`);
  }
  return parsed.data as z.infer<S>;
}
