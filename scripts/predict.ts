/**
 * `npm run predict -- [options] <text> [<text> ...]`
 *
 * Classifies texts with the deployed model: normalises them as the training data was, calls
 * InvokeEndpoint and prints the top-k labels. With `.local/stack.json` present (the local stack is
 * running), its endpoint URL, region and endpoint name are the defaults; otherwise the standard AWS
 * configuration applies (AWS_REGION, AWS_ENDPOINT_URL, credentials) and --endpoint is required.
 * The model's normalisation version is checked first (shared/src/inference.ts): a model trained on text
 * normalised otherwise is refused, unless --raw sends the texts as given.
 */
import '../local-stack/src/cli/warnings';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient, type SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import { TextClassifier } from '../shared/src/inference';
import { defineCommand, integerOption, parseCommandLine, usageError } from './lib/cli';

const STACK_FILE = resolve(__dirname, '..', '.local', 'stack.json');

const COMMAND = defineCommand({
  usage: 'npm run predict -- [options] <text> [<text> ...]',
  summary:
    'Classifies texts with the deployed model and prints the top labels of each. Defaults come from the running local ' +
    "stack's .local/stack.json; without it, the standard AWS configuration applies and --endpoint is required.",
  arguments: { name: 'text', description: 'a text to classify (at least one)', min: 1 },
  options: {
    k: { type: 'string', value: 'n', default: '1', description: 'labels per text, most likely first' },
    endpoint: { type: 'string', value: 'name', description: "the SageMaker endpoint (default: the local stack's)" },
    region: { type: 'string', value: 'region', description: 'the AWS region (default: AWS_REGION, or the local stack\'s)' },
    json: { type: 'boolean', default: false, description: 'print the predictions as JSON' },
    raw: { type: 'boolean', default: false, description: 'send the texts as given, already normalised (no normalisation, no version check)' },
  },
});

interface StackInfo {
  endpoint?: string;
  region?: string;
  endpointName?: string;
}

function readStackInfo(): StackInfo | undefined {
  if (!existsSync(STACK_FILE)) return undefined;
  return JSON.parse(readFileSync(STACK_FILE, 'utf8')) as StackInfo;
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(COMMAND);
  const k = integerOption(COMMAND, 'k', values.k, { min: 1 });

  const stack = readStackInfo();
  const endpointName = values.endpoint ?? stack?.endpointName;
  if (endpointName === undefined) usageError(COMMAND, 'No endpoint: pass --endpoint, or start the local stack (npm start) so that .local/stack.json names it.');
  const config: SageMakerRuntimeClientConfig = {};
  const region = values.region ?? process.env.AWS_REGION ?? stack?.region;
  if (region !== undefined) config.region = region;
  if (stack?.endpoint !== undefined && process.env.AWS_ENDPOINT_URL === undefined) {
    config.endpoint = stack.endpoint;
    // The local stack verifies signatures by its documented keys (an AWS profile's keys are not among them);
    // keys given in the environment are used as they are.
    if (process.env.AWS_ACCESS_KEY_ID === undefined) {
      config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    }
  }

  const runtime = new SageMakerRuntimeClient(config);
  const sagemaker = new SageMakerClient(config);
  try {
    const predictions = await new TextClassifier(runtime, endpointName, sagemaker).classify(positionals, { k, skipNormalization: values.raw });
    if (values.json) {
      console.log(JSON.stringify(positionals.map((text, i) => ({ text, predictions: predictions[i] })), null, 2));
      return;
    }
    positionals.forEach((text, i) => {
      if (positionals.length > 1) console.log(text);
      for (const prediction of predictions[i] ?? []) {
        console.log(`${positionals.length > 1 ? '  ' : ''}${prediction.label}\t${prediction.probability.toFixed(4)}`);
      }
    });
  } finally {
    runtime.destroy();
    sagemaker.destroy();
  }
}

main().catch((error: unknown) => {
  const name = (error as { name?: string }).name;
  const refused = (error as { code?: string }).code === 'ECONNREFUSED';
  const hint = refused && existsSync(STACK_FILE) ? ' (is the local stack running? npm start)' : '';
  console.error(`predict failed: ${name ? `${name}: ` : ''}${(error as Error).message}${hint}`);
  process.exit(1);
});
