/**
 * `npm run console -- --stage prod [--region eu-west-1] [--port 4599]`: the pipeline console against AWS.
 * Serves the page on 127.0.0.1 with a signing proxy for its API calls (./signing-proxy.ts), using the
 * credentials of the standard provider chain. For the local stack there is nothing to start: `npm start`
 * serves the console itself (stack.json's consoleUrl).
 */
import '../../local-stack/src/cli/warnings';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { dataBucketName, endpointName, glueJobName, trainingJobPrefix } from '../../shared/src/names';
import { defineCommand, integerOption, parseCommandLine, usageError } from '../../scripts/lib/cli';
import { startSigningProxy } from './signing-proxy';

const DEFAULT_PORT = 4599;

const COMMAND = defineCommand({
  usage: 'npm run console -- --stage <stage> [--region <region>] [--port <port>] [--bucket <name>]',
  summary:
    'Serves the pipeline console on http://127.0.0.1:<port>/_console/ for the pipeline of <stage> deployed on AWS, with ' +
    'your AWS credentials (environment, AWS_PROFILE / ~/.aws, SSO, or an instance role), through a proxy that signs the ' +
    "page's calls again. For the local stack, open the consoleUrl that npm start prints instead.",
  options: {
    stage: { type: 'string', value: 'stage', description: 'the stage you deployed (e.g. prod); required' },
    region: { type: 'string', value: 'region', description: "the pipeline's region (default AWS_REGION or the profile's)" },
    port: { type: 'string', value: 'port', default: String(DEFAULT_PORT), description: 'the port on 127.0.0.1; 0 picks a free one' },
    bucket: { type: 'string', value: 'name', description: 'the data bucket, when not ml-pipeline-<stage>-data-<account>-<region>' },
  },
});

const NEEDS = `It needs AWS credentials for the account where the pipeline is deployed, from the standard places:
  - AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment,
  - a profile in ~/.aws/credentials or ~/.aws/config (AWS_PROFILE=<name>; "aws configure", "aws sso login"),
  - or an instance or container role;
and a region (--region, AWS_REGION, or the profile's region).
The identity needs the read-only permissions listed in README.md, "The pipeline console" (s3:ListBucket and
s3:GetObject on the data bucket, glue:GetJobRuns, sagemaker:List*/Describe* of the pipeline's jobs and endpoint),
plus s3:PutObject on incoming/* to upload, and sagemaker:InvokeEndpoint with DescribeEndpointConfig and ListTags
of the endpoint config (the normalisation version check) to try the model.`;

class CliError extends Error {}

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  if (!values.stage) usageError(COMMAND, '--stage is required (the stage you deployed, e.g. prod)');
  if (values.stage === 'local') usageError(COMMAND, 'stage "local" is the local stack: it serves the console itself (npm start prints its consoleUrl)');
  const port = integerOption(COMMAND, 'port', values.port, { min: 0 });
  if (port > 65535) usageError(COMMAND, `--port must be a port number, not "${values.port}"`);

  const provider = fromNodeProviderChain();
  let credentials: AwsCredentialIdentity;
  try {
    credentials = await provider();
  } catch (error) {
    throw new CliError(`no AWS credentials found (${(error as Error).message}).\n${NEEDS}`);
  }
  const sts = new STSClient({ credentials: provider, ...(values.region ? { region: values.region } : {}) });
  let region: string;
  try {
    region = await sts.config.region();
  } catch {
    throw new CliError(`no AWS region: pass --region, or set AWS_REGION or your profile's region.\n${NEEDS}`);
  }
  let account: string;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  } catch (error) {
    throw new CliError(`AWS did not accept the credentials (${(error as Error).name}: ${(error as Error).message}).\n${NEEDS}`);
  }
  const stage = values.stage;
  const dataBucket = values.bucket ?? dataBucketName(stage, account, region);
  const proxy = await startSigningProxy({
    port,
    credentials: provider,
    page: {
      stage,
      region,
      dataBucket,
      endpointName: endpointName(stage),
      glueJobName: glueJobName(stage),
      trainingJobPrefix: trainingJobPrefix(stage),
      incomingPrefix: 'incoming/',
    },
    log: (line) => console.error(`[console] ${line}`),
  });
  const who = credentials.accessKeyId ? `key ${credentials.accessKeyId.slice(0, 4)}…${credentials.accessKeyId.slice(-4)}` : 'your credentials';
  console.log(`[console] stage ${stage} in ${region}, account ${account} (${who}), data bucket ${dataBucket}`);
  console.log(`[console] open ${proxy.consoleUrl}   (Ctrl-C stops it)`);
  const stop = async (signal: string) => {
    console.log(`[console] ${signal}: stopping (${proxy.stats.relayed} requests relayed, ${proxy.stats.refused} refused)`);
    await proxy.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`console: ${error.message}`);
  process.exitCode = error instanceof CliError ? 2 : 1;
});
