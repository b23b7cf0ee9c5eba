import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The documentation checks itself against the repository (no servers needed):
 * - every relative link of every markdown file stays inside the repository and reaches a file
 *   of it, and, when it names a heading, a heading that exists (GitHub's anchors);
 * - docs/configuration.md names every environment variable any package reads in its sources.
 */
const ROOT = resolve(__dirname, '..', '..');
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.stack', 'dist', 'coverage', '.turbo', 'generated']);

// ---------------------------------------------------------------------------------------------
// The repository's files
// ---------------------------------------------------------------------------------------------

/** Every file of the repository, relative to ROOT: tracked or new, not ignored (git), else by walking. */
function repositoryFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\0')
      .filter((f) => f !== '' && existsSync(join(ROOT, f)))
      .map((f) => f.split('/').join(sep));
  } catch {
    return walk(ROOT).map((f) => relative(ROOT, f));
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED_DIRS.has(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const FILES = repositoryFiles();
const FILE_SET = new Set(FILES);
const DIR_SET = new Set(FILES.flatMap((f) => ancestors(f)));

function ancestors(file: string): string[] {
  const out: string[] = [];
  for (let d = dirname(file); d !== '.' && d !== ''; d = dirname(d)) out.push(d);
  return out;
}

const MARKDOWN = FILES.filter((f) => f.toLowerCase().endsWith('.md') && !f.split(sep).includes('node_modules'));

// ---------------------------------------------------------------------------------------------
// Markdown: headings, anchors, links
// ---------------------------------------------------------------------------------------------

/** The lines outside fenced code blocks, with their 0-based indexes. */
function unfencedLines(text: string): { index: number; text: string }[] {
  const out: { index: number; text: string }[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(raw)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    } else if (marker !== undefined) fence = marker;
    else out.push({ index, text: raw });
  });
  return out;
}

/** Lines outside fenced code blocks, with their 1-based numbers; inline code spans blanked. */
function proseLines(text: string): { line: number; text: string }[] {
  return unfencedLines(text).map(({ index, text: raw }) => ({
    line: index + 1,
    text: raw.replace(/(`+)[^`]*?\1/g, (m) => ' '.repeat(m.length)),
  }));
}

/** GitHub's anchor of a heading (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
function slugOf(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, '') // code and emphasis markers
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a markdown file offers: its headings' slugs (repeats numbered) and explicit ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (heading: string) => {
    const slug = slugOf(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  };
  const lines = text.split('\n');
  for (const { index, text: line } of unfencedLines(text)) {
    const atx = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (atx) add(atx[1] ?? '');
    else if (/^\s{0,3}(=+|-+)\s*$/.test(lines[index + 1] ?? '') && line.trim() !== '' && !/^\s{0,3}[-*+>|]/.test(line))
      add(line.trim());
    for (const m of line.matchAll(/\b(?:id|name)=["']([^"']+)["']/g)) anchors.add(m[1] as string);
  }
  return anchors;
}

interface Link {
  line: number;
  target: string;
}

/** Inline links and images, reference definitions and HTML href/src, outside code. */
function linksOf(text: string): Link[] {
  const links: Link[] = [];
  for (const { line, text: prose } of proseLines(text)) {
    for (const m of prose.matchAll(
      /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g,
    ))
      links.push({ line, target: (m[1] as string).replace(/^<|>$/g, '') });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(prose);
    if (definition) links.push({ line, target: (definition[1] as string).replace(/^<|>$/g, '') });
    for (const m of prose.matchAll(/\b(?:href|src)=["']([^"']+)["']/g)) links.push({ line, target: m[1] as string });
  }
  return links;
}

interface Repository {
  isFile(path: string): boolean;
  isDir(path: string): boolean;
  read(path: string): string;
}

const repository: Repository = {
  isFile: (p) => FILE_SET.has(p),
  isDir: (p) => DIR_SET.has(p),
  read: (p) => readFileSync(join(ROOT, p), 'utf8'),
};

/** What is wrong with each link of one markdown file (`file` relative to the repository root). */
function linkProblems(file: string, text: string, repo: Repository = repository): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (path: string, content?: string) => {
    let found = anchorCache.get(path);
    if (!found) anchorCache.set(path, (found = anchorsOf(content ?? repo.read(path))));
    return found;
  };
  for (const { line, target } of linksOf(text)) {
    const at = `${file}:${line}: ${target}`;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target)?.[1]?.toLowerCase();
    if (scheme !== undefined) {
      if (!['http', 'https', 'mailto'].includes(scheme))
        problems.push(`${at}: a ${scheme}: link leaves the repository`);
      continue;
    }
    const hash = target.indexOf('#');
    const pathPart = (hash < 0 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    let path = file;
    if (pathPart !== '') {
      const decoded = decodeURIComponent(pathPart);
      const absolute = decoded.startsWith('/') ? resolve(ROOT, `.${decoded}`) : resolve(ROOT, dirname(file), decoded);
      path = relative(ROOT, absolute);
      if (path.startsWith('..') || resolve(ROOT, path) !== absolute) {
        problems.push(`${at}: leaves the repository`);
        continue;
      }
      if (path === '') path = '.';
      if (!repo.isFile(path) && !repo.isDir(path) && path !== '.') {
        problems.push(`${at}: no such file in the repository (${path})`);
        continue;
      }
    }
    if (anchor === undefined || anchor === '' || !path.toLowerCase().endsWith('.md')) continue;
    if (!anchors(path, path === file ? text : undefined).has(anchor.toLowerCase()))
      problems.push(`${at}: ${path} has no heading with the anchor #${anchor}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Environment variables read by the sources
// ---------------------------------------------------------------------------------------------

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

/** Every source file under a workspace's src/ (generated code and builds excluded). */
function sourceFiles(): string[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !SKIPPED_DIRS.has(d.name) && existsSync(join(ROOT, d.name, 'src')))
    .flatMap((d) => walk(join(ROOT, d.name, 'src')))
    .filter((f) => SOURCE_EXTENSIONS.has(extname(f)) && !f.endsWith('.d.ts') && statSync(f).isFile());
}

/** `process.env`, `options.env`, or a variable named like an environment (`env`, `childEnv`). */
function isEnvObject(node: ts.Expression): boolean {
  const e = skipParens(node);
  if (ts.isPropertyAccessExpression(e)) return e.name.text === 'env';
  if (ts.isIdentifier(e)) return /^(env|[a-z]\w*Env)$/.test(e.text);
  return false;
}

function skipParens(node: ts.Expression): ts.Expression {
  let e = node;
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) e = e.expression;
  return e;
}

const literalText = (node: ts.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

const propertyName = (name: ts.PropertyName): string | undefined =>
  ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;

interface EnvRead {
  name: string;
  at: string;
}

interface EnvScan {
  reads: EnvRead[];
  /** `env[name]` where the name is a variable: resolved below, through that variable's literals. */
  dynamic: { at: string; index: string }[];
  /** String literals bound to a name (`name: 'X'`, `const name = 'X'`, an argument for a parameter `name`), with where. */
  bound: Map<string, Map<string, string>>;
}

/**
 * The environment variables a set of sources reads, found in their syntax trees:
 * - `process.env.X`, `env.X`, `env?.X`, `process.env['X']`, `const { X } = process.env`;
 * - keys of `z.object({ X: ... })` (every package validates its environment with a zod schema);
 * - `env[name]` with a variable index, resolved through the literals given to that name: a
 *   property `name: 'X'`, a constant `const name = 'X'`, or an argument for a parameter `name`.
 */
function scanEnv(files: { path: string; text: string }[]): EnvScan {
  const reads: EnvRead[] = [];
  const dynamic: EnvScan['dynamic'] = [];
  const bound = new Map<string, Map<string, string>>();
  const bind = (name: string, value: string | undefined, where: string) => {
    if (value === undefined || !ENV_NAME.test(value)) return;
    if (!bound.has(name)) bound.set(name, new Map());
    if (!bound.get(name)?.has(value)) bound.get(name)?.set(value, where);
  };
  /** Functions with their parameter names, to bind call arguments to them. */
  const parameters = new Map<string, string[]>();
  const calls: { callee: string; args: readonly ts.Expression[]; at: string }[] = [];

  for (const { path, text } of files) {
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const at = (node: ts.Node) => `${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && isEnvObject(node.expression) && ENV_NAME.test(node.name.text))
        reads.push({ name: node.name.text, at: at(node) });
      if (ts.isElementAccessExpression(node) && isEnvObject(node.expression)) {
        const name = literalText(node.argumentExpression);
        if (name !== undefined) reads.push({ name, at: at(node) });
        else dynamic.push({ at: at(node), index: node.argumentExpression.getText(source) });
      }
      if (ts.isVariableDeclaration(node) && node.initializer && ts.isObjectBindingPattern(node.name)) {
        if (isEnvObject(node.initializer))
          for (const element of node.name.elements) {
            const key = element.propertyName ?? element.name;
            const name = ts.isIdentifier(key) || ts.isStringLiteral(key) ? key.text : undefined;
            if (name !== undefined && ENV_NAME.test(name)) reads.push({ name, at: at(element) });
          }
      }
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === 'object' &&
        ts.isIdentifier(node.expression.expression) &&
        node.expression.expression.text === 'z'
      ) {
        const shape = node.arguments[0];
        if (shape && ts.isObjectLiteralExpression(shape))
          for (const property of shape.properties) {
            const name = property.name ? propertyName(property.name) : undefined;
            if (name !== undefined && ENV_NAME.test(name)) reads.push({ name, at: at(property) });
          }
      }
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name))
        bind(node.name.text, literalText(node.initializer), at(node));
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name))
        bind(node.name.text, literalText(node.initializer), at(node));
      if (ts.isFunctionDeclaration(node) && node.name)
        parameters.set(
          node.name.text,
          node.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : '')),
        );
      if (
        ts.isVariableDeclaration(node) &&
        ts.isIdentifier(node.name) &&
        node.initializer &&
        (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))
      )
        parameters.set(
          node.name.text,
          node.initializer.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : '')),
        );
      if (ts.isCallExpression(node)) {
        const callee = ts.isIdentifier(node.expression)
          ? node.expression.text
          : ts.isPropertyAccessExpression(node.expression)
            ? node.expression.name.text
            : undefined;
        if (callee !== undefined) calls.push({ callee, args: node.arguments, at: at(node) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  for (const { callee, args, at } of calls) {
    const names = parameters.get(callee);
    if (names) args.forEach((arg, i) => bind(names[i] ?? '', literalText(arg), at));
  }
  return { reads, dynamic, bound };
}

/** Every variable read, with where; a dynamic lookup that cannot be followed is a problem. */
function environmentVariables(scan: EnvScan): { names: Map<string, string>; unresolved: string[] } {
  const names = new Map<string, string>();
  for (const r of scan.reads) if (!names.has(r.name)) names.set(r.name, r.at);
  const unresolved: string[] = [];
  for (const d of scan.dynamic) {
    const values = /^[A-Za-z_$][\w$]*$/.test(d.index) ? scan.bound.get(d.index) : undefined;
    if (!values || values.size === 0) unresolved.push(`${d.at}: env[${d.index}]`);
    else for (const [v, where] of values) if (!names.has(v)) names.set(v, `${where}, through env[${d.index}]`);
  }
  return { names, unresolved };
}

const mentions = (doc: string, name: string): boolean =>
  new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`, 'm').test(doc);

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

describe('documentation links', () => {
  it('checks the README and every page of docs/', () => {
    expect(MARKDOWN).toContain('README.md');
    expect(MARKDOWN).toEqual(expect.arrayContaining([join('docs', 'guarantees.md'), join('docs', 'configuration.md')]));
  });

  it('keeps every relative link of every markdown file inside the repository, on a file and a heading that exist', () => {
    const problems = MARKDOWN.flatMap((file) => linkProblems(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(problems).toEqual([]);
  });

  describe('the checker', () => {
    const fake: Repository = {
      isFile: (p) => ['README.md', join('docs', 'a.md'), join('api', 'src', 'x.ts')].includes(p),
      isDir: (p) => ['docs', 'api', join('api', 'src')].includes(p),
      read: () =>
        '# A page\n\n## The `npm run status` command\n\n## Retention: outbox, inbox (and DLQ)\n\n## Twice\n\n## Twice\n',
    };
    const problemsOf = (text: string) => linkProblems('README.md', text, fake);

    it('accepts files, folders, headings, web links and the same page', () => {
      const text = [
        '# Top',
        '[a](docs/a.md) [b](docs/a.md#the-npm-run-status-command) [c](./docs/a.md#retention-outbox-inbox-and-dlq)',
        '[d](docs/a.md#twice-1) [e](api/src/x.ts#L3) [f](docs/) [g](https://example.com/x#y) [h](#top)',
        '![img](api/src/x.ts "title") <a href="docs/a.md">i</a>',
        '```',
        '[not a link](nowhere.md)',
        '```',
        'and `[code](nowhere.md)` is no link either',
        '[ref]: docs/a.md#a-page',
      ].join('\n');
      expect(problemsOf(text)).toEqual([]);
    });

    it('refuses a path out of the repository, a missing file, a missing heading and a file: link', () => {
      const text = [
        '[outside](../outside/README.md)',
        '[gone](docs/b.md)',
        '[heading](docs/a.md#no-such-heading)',
        '[self](#nowhere)',
        '[file](file:///etc/passwd)',
        '[ref]: ../outside.md',
      ].join('\n');
      const problems = problemsOf(text);
      expect(problems).toHaveLength(6);
      expect(problems[0]).toMatch(/leaves the repository/);
      expect(problems[1]).toMatch(/no such file/);
      expect(problems[2]).toMatch(/no heading with the anchor #no-such-heading/);
      expect(problems[3]).toMatch(/no heading with the anchor #nowhere/);
      expect(problems[4]).toMatch(/file: link leaves the repository/);
      expect(problems[5]).toMatch(/leaves the repository/);
    });

    it('makes the anchors GitHub makes', () => {
      expect(slugOf('What is not guaranteed')).toBe('what-is-not-guaranteed');
      expect(slugOf('The `npm run dlq` workflow')).toBe('the-npm-run-dlq-workflow');
      expect(slugOf('Fault → behaviour → proof')).toBe('fault--behaviour--proof');
      expect(slugOf('Amounts (Avro `int`) & 422')).toBe('amounts-avro-int--422');
      expect(slugOf('[Linked](x.md) heading')).toBe('linked-heading');
      expect([...anchorsOf('# Twice\n\n# Twice\n\nSetext\n---\n')]).toEqual(['twice', 'twice-1', 'setext']);
    });
  });
});

describe('documented configuration', () => {
  const scan = scanEnv(sourceFiles().map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') })));
  const { names, unresolved } = environmentVariables(scan);

  it('finds the variables of every way a package reads its environment', () => {
    // One of each: a zod schema, process.env.X, env.X, and a name given to a dynamic lookup.
    for (const name of ['API_PORT', 'STACK_TOPOLOGY', 'STACK_MODE', 'PGBENCH', 'OTEL_SERVICE_NAME', 'KAFKA_JAVA_HOME'])
      expect([name, names.has(name)]).toEqual([name, true]);
    expect(names.get('COMMERCE_DATABASE_URL')).toMatch(/^prisma/);
  });

  it('can follow every lookup whose name is a variable', () => {
    expect(unresolved).toEqual([]);
  });

  it('docs/configuration.md names every environment variable a package reads', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    const missing = [...names].filter(([name]) => !mentions(doc, name)).map(([name, at]) => `${name} (read at ${at})`);
    expect(missing).toEqual([]);
  });

  it('the scanner sees each form of a read', () => {
    const found = scanEnv([
      {
        path: 'x/src/a.ts',
        text: [
          "const s = z.object({ A_ONE: z.string(), lower: z.string(), 'B_TWO': port });",
          "const c = process.env.C_THREE ?? process.env['D_FOUR'] ?? env.E_FIVE ?? options.env?.F_SIX;",
          'const { G_SEVEN, H: alias } = process.env;',
          "const table = { x: { envVar: 'I_EIGHT' } };",
          'function find(component: string, envVar: string) { return process.env[envVar]; }',
          "find('kafka', 'J_NINE');",
          'const other = process.env[compute()];',
        ].join('\n'),
      },
    ]);
    const { names: seen, unresolved: lost } = environmentVariables(found);
    expect([...seen.keys()].sort()).toEqual(
      ['A_ONE', 'B_TWO', 'C_THREE', 'D_FOUR', 'E_FIVE', 'F_SIX', 'G_SEVEN', 'H', 'I_EIGHT', 'J_NINE'].sort(),
    );
    expect(lost).toEqual(['x/src/a.ts:7: env[compute()]']);
  });
});
