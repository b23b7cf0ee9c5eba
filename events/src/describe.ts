/** A value as it appears in an error message: quoted, JSON, cut at 60 characters. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
