import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The api never produces to Kafka: the lint rule that forbids kafkajs in api/src is live. */
describe('no dual writes', () => {
  const root = join(__dirname, '..', '..');

  it('lint rejects a kafkajs import anywhere in the api source', () => {
    const lint = spawnSync(
      join(root, 'node_modules', '.bin', 'eslint'),
      ['--stdin', '--stdin-filename', 'api/src/services/sneaky.ts', '--format', 'json'],
      { cwd: root, input: "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n", encoding: 'utf8' },
    );
    const [result] = JSON.parse(lint.stdout) as { messages: { ruleId: string; message: string }[] }[];
    expect(result?.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
    expect(lint.status).toBe(1);
  });

  it('the api package does not depend on a Kafka client', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'api', 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies ?? {}).filter((d) => /kafka/i.test(d))).toEqual([]);
  });
});
