const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

/**
 * One jest run for every workspace. Integration tests share the real servers of the
 * test-profile stack (started by `npm test`), so files run one at a time.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/*/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.stack/'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Workspace packages point `main` at their compiled dist/; tests run their TypeScript sources,
  // mapped by the same `paths` that tsc and tsx read from tsconfig.base.json.
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  maxWorkers: 1,
  testTimeout: 120_000,
  // No forceExit: every test closes what it opens. A failed one that leaves a socket open is
  // named and ended by the guard instead of hanging CI.
  globalTeardown: '<rootDir>/e2e/test-exit-guard.js',
  setupFiles: ['<rootDir>/e2e/test-profile.js'],
};
