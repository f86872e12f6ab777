/**
 * Where an operator command (`npm run models | rollback | retrain | teardown`) acts: `--stage local` is the running
 * local stack (`stack.json` under LOCAL_STACK_DIR or `.local/`, its endpoint and documented keys); any other stage is
 * AWS with the standard configuration (credentials chain, `--region` or AWS_REGION), its account from STS.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { dataBucketName } from '../../../shared/src/names';

/** A problem the user can fix, printed as one line (no stack trace). */
/** The options by which every operator command picks its stage (local: the running local stack; else AWS). */
export const STAGE_OPTIONS = {
  stage: { type: 'string', value: 'stage', default: 'local', description: 'the stage' },
  region: { type: 'string', value: 'region', description: "AWS's region for another stage (default AWS_REGION or the profile's)" },
} as const;

export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorError';
  }
}

export interface StageTarget {
  stage: string;
  region: string;
  account: string;
  dataBucket: string;
  /** The SDK settings every client of the command takes. */
  clientConfig: { region: string; endpoint?: string; credentials: NonNullable<STSClientConfig['credentials']>; forcePathStyle?: boolean };
  /** `the local stack at http://...` or `AWS account 1234 in eu-west-1`. */
  where: string;
  local: boolean;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localStackFile(env: NodeJS.ProcessEnv = process.env, root = path.resolve(__dirname, '..', '..', '..')): string {
  return path.join(env.LOCAL_STACK_DIR ? path.resolve(env.LOCAL_STACK_DIR) : path.join(root, '.local'), 'stack.json');
}

export async function resolveStageTarget(stage: string, region: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<StageTarget> {
  if (stage === 'local') {
    const file = localStackFile(env);
    if (!existsSync(file)) throw new OperatorError(`no running local stack (${file} does not exist): start it with npm start, or pass --stage <stage> for AWS`);
    const info = JSON.parse(readFileSync(file, 'utf8')) as { endpoint: string; region: string; dataBucket: string };
    const account = /-data-(\d{12})-/.exec(info.dataBucket)?.[1] ?? '000000000000';
    return {
      stage,
      region: info.region,
      account,
      dataBucket: info.dataBucket,
      clientConfig: { region: info.region, endpoint: info.endpoint, credentials: env.AWS_ACCESS_KEY_ID ? fromNodeProviderChain() : LOCAL_CREDENTIALS, forcePathStyle: true },
      where: `the local stack at ${info.endpoint}`,
      local: true,
    };
  }
  const credentials = fromNodeProviderChain();
  const sts = new STSClient({ credentials, ...(region ? { region } : {}) });
  let resolvedRegion: string;
  let account: string;
  try {
    resolvedRegion = await sts.config.region();
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  } catch (error) {
    throw new OperatorError(
      `cannot reach AWS for stage ${stage}: ${(error as Error).message}. Set AWS credentials (AWS_PROFILE, ...) and a region (--region or AWS_REGION).`,
    );
  }
  return {
    stage,
    region: resolvedRegion,
    account,
    dataBucket: dataBucketName(stage, account, resolvedRegion),
    clientConfig: { region: resolvedRegion, credentials },
    where: `AWS account ${account} in ${resolvedRegion}`,
    local: false,
  };
}

/** Runs a command's main: an OperatorError is one line on stderr and exit 1; anything else its message too. */
export function runOperatorCommand(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
