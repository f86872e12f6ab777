'use strict';

/**
 * Makes `serverless deploy|info|remove --stage local` talk to the running local stack, as the
 * serverless-localstack plugin does for LocalStack (that plugin patches the AWS SDK v2 request path,
 * which osls 4 no longer has: osls builds every SDK v3 client from `provider.getAwsSdkV3Config()`, so
 * that is where the endpoint goes). Every other stage is left to AWS, and refused if the environment
 * points the SDK at a loopback endpoint: `--stage prod` must never deploy into the local stack.
 *
 * The endpoint is read from the stack's `stack.json` (`$LOCAL_STACK_DIR/stack.json`, default
 * `<repo>/.local/stack.json`), written by `npm start` once the stack is ready. With the stack, the
 * deploy is AWS's: the deployment bucket, the artifacts uploaded to S3, a change set, the stack events.
 *
 * For every stage, `serverless info` (and the summary after a deploy) also lists the stack's parameters.
 */
const fs = require('node:fs');
const path = require('node:path');

const LOCAL_STAGE = 'local';
const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** How often `serverless` polls the stack's events; the local stack answers in milliseconds, AWS's default is 5 s. */
const LOCAL_MONITORING_FREQUENCY_MS = '250';

function stackInfoFile() {
  const dir = process.env.LOCAL_STACK_DIR ? path.resolve(process.env.LOCAL_STACK_DIR) : path.join(REPO_ROOT, '.local');
  return path.join(dir, 'stack.json');
}

function isLoopback(url) {
  try {
    const { hostname } = new URL(url);
    return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
  } catch {
    return false;
  }
}

class LocalStackPlugin {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    this.log = log ?? { notice: console.log, warning: console.warn };
    const stage = this.provider.getStage();
    const configure = stage === LOCAL_STAGE ? (config) => this.localConfig(config) : (config) => this.awsConfig(stage, config);
    const original = this.provider.getAwsSdkV3Config.bind(this.provider);
    this.provider.getAwsSdkV3Config = async (options = {}) => original(await configure(options));
    if (stage === LOCAL_STAGE) process.env.SLS_AWS_MONITORING_FREQUENCY ??= LOCAL_MONITORING_FREQUENCY_MS;
    // The project's tools run on Node 20 and silence the SDK's notice that its 2027 releases need Node 22
    // (local-stack/src/cli/warnings.ts); serverless is one of them.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.hooks = { 'after:aws:info:gatherData': () => this.listParameters() };
  }

  /** The local stack's endpoint and credentials, or a clear error when it is not running. */
  async localConfig(options) {
    this.stack ??= this.runningStack();
    const stack = await this.stack;
    if (this.provider.getRegion() !== stack.region) {
      throw new this.serverless.classes.Error(`The local stack emulates ${stack.region}; --region ${this.provider.getRegion()} cannot deploy --stage ${LOCAL_STAGE}`, 'LOCAL_STACK_REGION');
    }
    return { ...options, endpoint: stack.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  }

  async runningStack() {
    const file = stackInfoFile();
    if (!fs.existsSync(file)) {
      throw new this.serverless.classes.Error(
        `No local stack is running (${file} does not exist). Start it with \`npm start\` in ${REPO_ROOT} (LOCAL_STACK_DIR picks another state directory), then run this command again.`,
        'LOCAL_STACK_NOT_RUNNING',
      );
    }
    const stack = JSON.parse(fs.readFileSync(file, 'utf8'));
    try {
      const response = await fetch(`${stack.endpoint}/_local/health`, { signal: AbortSignal.timeout(3000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      throw new this.serverless.classes.Error(
        `The local stack in ${file} does not answer at ${stack.endpoint} (${error.cause?.code ?? error.message}): it was stopped without removing that file. Start it again with \`npm start\`.`,
        'LOCAL_STACK_NOT_RUNNING',
      );
    }
    return stack;
  }

  /** AWS itself: refused when the SDK would be sent to a local endpoint by the environment. */
  async awsConfig(stage, options) {
    const pointing = Object.entries(process.env).find(([name, value]) => /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(name) && value && isLoopback(value));
    if (pointing) {
      throw new this.serverless.classes.Error(
        `${pointing[0]}=${pointing[1]} points the AWS SDK at a local endpoint, but stage "${stage}" deploys to AWS. Unset it (\`unset ${pointing[0]}\`), or use --stage ${LOCAL_STAGE} for the local stack.`,
        'LOCAL_ENDPOINT_FOR_AWS_STAGE',
      );
    }
    return options;
  }

  async listParameters() {
    const { CloudFormationClient, DescribeStacksCommand } = require('@aws-sdk/client-cloudformation');
    const client = new CloudFormationClient(await this.provider.getAwsSdkV3Config());
    try {
      const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: this.provider.naming.getStackName() }));
      const parameters = Stacks?.[0]?.Parameters ?? [];
      if (parameters.length > 0) this.serverless.addServiceOutputSection('parameters', parameters.map((parameter) => `${parameter.ParameterKey}: ${parameter.ParameterValue}`));
    } finally {
      client.destroy();
    }
  }
}

module.exports = LocalStackPlugin;
