/**
 * `npm run predict -- "some text" ["another text" ...] [--k 3] [--endpoint name] [--json]`
 *
 * Classifies texts with the deployed model: normalises them as the training data was, calls
 * InvokeEndpoint and prints the top-k labels. With `.local/stack.json` present (the local stack is
 * running), its endpoint URL, region and endpoint name are the defaults; otherwise the standard AWS
 * configuration applies (AWS_REGION, AWS_ENDPOINT_URL, credentials) and --endpoint is required.
 */
import '../local-stack/src/cli/warnings';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SageMakerRuntimeClient, type SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import { TextClassifier } from '../shared/src/inference';

const STACK_FILE = resolve(__dirname, '..', '.local', 'stack.json');

interface StackInfo {
  endpoint?: string;
  region?: string;
  endpointName?: string;
}

function readStackInfo(): StackInfo | undefined {
  if (!existsSync(STACK_FILE)) return undefined;
  return JSON.parse(readFileSync(STACK_FILE, 'utf8')) as StackInfo;
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run predict -- "some text" ["more text" ...] [--k 3] [--endpoint name] [--json]`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      k: { type: 'string', default: '1' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      raw: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) usage('Give at least one text to classify.');
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 1) usage(`--k must be a positive integer, not "${values.k}".`);

  const stack = readStackInfo();
  const endpointName = values.endpoint ?? stack?.endpointName;
  if (endpointName === undefined) usage('No endpoint: pass --endpoint, or start the local stack (npm start) so that .local/stack.json names it.');
  const config: SageMakerRuntimeClientConfig = {};
  const region = values.region ?? process.env.AWS_REGION ?? stack?.region;
  if (region !== undefined) config.region = region;
  if (stack?.endpoint !== undefined && process.env.AWS_ENDPOINT_URL === undefined) {
    config.endpoint = stack.endpoint;
    // The local stack accepts any credentials; do not require a configured AWS profile for it.
    if (process.env.AWS_ACCESS_KEY_ID === undefined && process.env.AWS_PROFILE === undefined) {
      config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    }
  }

  const client = new SageMakerRuntimeClient(config);
  try {
    const predictions = await new TextClassifier(client, endpointName).classify(positionals, { k, skipNormalization: values.raw });
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
    client.destroy();
  }
}

main().catch((error: unknown) => {
  const name = (error as { name?: string }).name;
  const refused = (error as { code?: string }).code === 'ECONNREFUSED';
  const hint = refused && existsSync(STACK_FILE) ? ' (is the local stack running? npm start)' : '';
  console.error(`predict failed: ${name ? `${name}: ` : ''}${(error as Error).message}${hint}`);
  process.exit(1);
});
