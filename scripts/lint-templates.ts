/**
 * npm run lint:templates: AWS's CloudFormation linter over every packaged template (create and update
 * stack, as `serverless package` leaves them in services/<name>/.serverless/), with the project's
 * .cfnlintrc. cfn-lint is a Python tool, not an npm package: where it is not installed this step says so
 * in one line and is skipped, unless CFN_LINT_REQUIRED=1 (CI sets it), which makes its absence a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES } from '../local-stack/src/deploy/templates';
import { defineCommand, parseCommandLine } from './lib/cli';

const COMMAND = defineCommand({
  usage: 'npm run lint:templates',
  summary:
    "Runs AWS's cfn-lint, with .cfnlintrc, over every packaged template (services/*/.serverless/, create and update stack). " +
    'Skipped with one line where cfn-lint is not installed, unless CFN_LINT_REQUIRED=1 (CI), which makes that a failure.',
  options: {},
});

const root = path.resolve(__dirname, '..');
const TEMPLATE_FILES = ['cloudformation-template-create-stack.json', 'cloudformation-template-update-stack.json'];

function main(): number {
  parseCommandLine(COMMAND);
  const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (version.error) {
    const required = process.env.CFN_LINT_REQUIRED === '1';
    console.log(`lint:templates: cfn-lint is not installed (pip install cfn-lint)${required ? '' : ': skipping the CloudFormation template lint'}`);
    return required ? 1 : 0;
  }
  const templates = SERVICE_NAMES.flatMap((service) => TEMPLATE_FILES.map((file) => path.join('services', service, '.serverless', file)));
  const missing = templates.filter((template) => !existsSync(path.join(root, template)));
  if (missing.length > 0) {
    console.error(`lint:templates: not packaged: ${missing.join(', ')}; run \`npm run package\` first`);
    return 1;
  }
  console.log(`lint:templates: ${version.stdout.trim()} on ${templates.length} templates`);
  // cfn-lint reads .cfnlintrc from the working directory.
  const lint = spawnSync('cfn-lint', ['--', ...templates], { cwd: root, stdio: 'inherit' });
  if (lint.error) throw lint.error;
  if (lint.status === 0) console.log('lint:templates: no errors, no warnings');
  return lint.status ?? 1;
}

process.exitCode = main();
