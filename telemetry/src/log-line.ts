/**
 * The keys of a JSON log line's top-level object, in order and with repeats: JSON.parse keeps
 * only the last of two equal keys, so a line that names a field twice looks fine once parsed.
 */
export function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let end = i + 1;
      while (line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      if (depth === 1 && line[end + 1] === ':') keys.push(JSON.parse(line.slice(i, end + 1)) as string);
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

/** The top-level keys a JSON log line names more than once (none, in a well-formed line). */
export function repeatedKeys(line: string): string[] {
  const keys = topLevelKeys(line);
  return keys.filter((key, i) => keys.indexOf(key) !== i);
}
