// The AWS SDK's Node 22 notice is noise in test output; jest's workers inherit this.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/services', '<rootDir>/local-stack', '<rootDir>/test', '<rootDir>/scripts'],
  testMatch: ['**/*.test.ts'],
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
  // Finds or builds the fastText and AWS CLIs once; the reporter prints what it found under the summary.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  reporters: ['default', '<rootDir>/test/support/notices-reporter.js'],
};
