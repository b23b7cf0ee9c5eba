import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const NO_LAUNCHER = {
  name: '@outbox/stack',
  message: 'Services and their CLIs import configuration from @outbox/config; the launcher is not in their images.',
};

/** A package is imported through its entry (`@outbox/streamer`), not a path inside it. */
const PUBLIC_ENTRY_ONLY = {
  group: ['@outbox/*/*'],
  message: "Import the package's public entry (@outbox/<name>); what it does not export is internal.",
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
      'no-restricted-imports': ['error', { patterns: [PUBLIC_ENTRY_ONLY] }],
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
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Packages meet through their public entry (`@outbox/<name>`), never by a relative path
      // into another package's folder: the build graph sees the edge, the internals stay internal.
      'import-x/no-relative-packages': 'error',
    },
  },
  {
    // Runtime code reads its configuration from @outbox/config; the launcher is a development tool.
    files: ['{config,events,telemetry,prisma,connect,streamer,ops,console}/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_LAUNCHER], patterns: [PUBLIC_ENTRY_ONLY] }] },
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
          patterns: [PUBLIC_ENTRY_ONLY],
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
