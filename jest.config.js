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
  maxWorkers: 1,
  testTimeout: 120_000,
  // A failed integration test can leave a client socket open; never let that hang CI.
  forceExit: true,
  setupFiles: ['<rootDir>/e2e/test-profile.js'],
};
