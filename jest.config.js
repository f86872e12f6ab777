// The AWS SDK's Node 22 notice is noise in test output; jest's workers inherit this.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** What every project shares: TypeScript through swc, the shared library's path alias. */
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // middy ships ESM only; jest's module system needs it as CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  moduleNameMapper: {
    '^@pipeline/shared$': '<rootDir>/shared/src/index.ts',
    '^@pipeline/shared/(.*)$': '<rootDir>/shared/src/$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/.local', '/\\.serverless/', '/\\.esbuild/'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
};

/** Finds or builds the fastText and AWS CLIs once, for the tiers that use them (test/support/global-setup.ts). */
const referenceTools = { globalSetup: '<rootDir>/test/support/global-setup.ts' };

/**
 * Three tiers: `npm run test:unit` runs the first alone (no server, no child stack: seconds), `npm test`
 * runs all three. Tests beside the code they test are units; test/local-stack runs providers behind the
 * local server (and the packaged templates); test/e2e deploys the services into a whole local stack.
 */
/** @type {import('jest').Config} */
module.exports = {
  // The reporter prints, under the summary, which reference tools ran and why a suite was skipped.
  reporters: ['default', '<rootDir>/test/support/notices-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/shared', '<rootDir>/services', '<rootDir>/local-stack', '<rootDir>/scripts', '<rootDir>/console', '<rootDir>/test/support'],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...common,
      ...referenceTools,
      displayName: 'local-stack',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/local-stack/**/*.test.ts', '<rootDir>/test/templates.test.ts'],
    },
    {
      ...common,
      ...referenceTools,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};
