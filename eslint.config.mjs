import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const NO_LAUNCHER = {
  name: '@outbox/stack',
  message: 'Services and their CLIs import configuration from @outbox/config; the launcher is not in their images.',
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.stack/**', '**/dist/**', '**/generated/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Import circles work only by module evaluation order: a module sees a sibling's export as
    // undefined until that sibling finishes. Relative imports are resolved as the TypeScript
    // sources they are; workspace packages and npm packages are outside a circle by definition.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Runtime code reads its configuration from @outbox/config; the launcher is a development tool.
    files: ['{config,events,telemetry,prisma,connect,streamer,ops,console}/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_LAUNCHER] }] },
  },
  {
    // No dual writes: the api records events in the outbox only; Debezium publishes them.
    files: ['api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            NO_LAUNCHER,
            {
              name: 'kafkajs',
              message: 'The api never talks to Kafka: write an outbox row in the business transaction.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: {
        module: 'readonly',
        require: 'readonly',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
      },
    },
    // Plain CommonJS config files (jest.config.js) load their dependencies with require().
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
