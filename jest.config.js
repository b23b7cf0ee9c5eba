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
  // A failed integration test can leave a client socket open; never let that hang CI.
  forceExit: true,
  setupFiles: ['<rootDir>/e2e/test-profile.js'],
};
