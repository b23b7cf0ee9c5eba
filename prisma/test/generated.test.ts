import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateClient, outputDirOf, schemaPaths } from '../scripts/generate';
import { packageDir } from '../src/paths';
import { tempDir } from './helpers';

function tree(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return new Map(files.map((f) => [relative(dir, f), readFileSync(f, 'utf8')]));
}

// Generated code is committed; this fails when it is stale (schema edited without
// `npm run generate -w @outbox/db`) or when generation stops being reproducible.
describe.each(Object.entries(schemaPaths))('the committed %s client', (name, schemaPath) => {
  const committedDir = outputDirOf(schemaPath);

  it('is what generation produces now', () => {
    const temp = tempDir();
    try {
      // Same relative layout (<tmp>/<name>/schema.prisma -> <tmp>/generated/<name>), same schema
      // text: the schema is embedded in the client, output line included.
      mkdirSync(join(temp.path, name));
      const tempSchema = join(temp.path, name, 'schema.prisma');
      copyFileSync(schemaPath, tempSchema);
      const freshDir = generateClient(tempSchema);
      expect(relative(temp.path, freshDir)).toBe(join('generated', name));

      const committed = tree(committedDir);
      const fresh = tree(freshDir);
      expect([...committed.keys()]).toEqual([...fresh.keys()]);
      const stale = [...fresh].filter(([file, text]) => committed.get(file) !== text).map(([file]) => file);
      expect(stale).toEqual([]);
    } finally {
      temp.remove();
    }
  });

  it('holds no absolute path of this machine', () => {
    const roots = [packageDir, join(packageDir, '..'), '/home/', '/tmp/'];
    for (const [file, text] of tree(committedDir)) {
      for (const root of roots) expect({ file, found: text.includes(root) }).toEqual({ file, found: false });
    }
  });
});

describe('a generation that fails', () => {
  it('leaves the client it was to replace as it was', () => {
    const temp = tempDir();
    try {
      mkdirSync(join(temp.path, 'streamer'));
      const schema = join(temp.path, 'streamer', 'schema.prisma');
      copyFileSync(schemaPaths.streamer, schema);
      const outputDir = generateClient(schema);
      const before = tree(outputDir);
      writeFileSync(schema, `${readFileSync(schema, 'utf8')}\nmodel Broken {\n  id Nonsense @id\n}\n`);
      expect(() => generateClient(schema)).toThrow(/prisma generate/);
      expect(existsSync(outputDir)).toBe(true);
      expect(tree(outputDir)).toEqual(before);
      expect(readdirSync(join(temp.path, 'generated'))).toEqual(['streamer']); // no scratch left behind
    } finally {
      temp.remove();
    }
  });
});
