/** Three tiers (see docs/architecture.md): unit (pure code and in-memory twins),
 * integration (real Redis / nginx processes) and e2e (real sockets, official SDKs, the emulator). */
const moduleNameMapper = { '^@app/(common|auth|translation|upstream|health)$': '<rootDir>/libs/$1/src' };
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const base = {
  rootDir: __dirname, testEnvironment: 'node', moduleNameMapper, transform, moduleFileExtensions: ['ts', 'js', 'json'],
  // Stops what a failed or timed-out hook started (test/support/cleanup.ts).
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-cleanup.ts'],
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
