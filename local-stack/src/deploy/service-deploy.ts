/**
 * What `npm start` does with a packaged service: the steps of `serverless deploy`, through the local
 * stack's own CloudFormation engine (in-process, no CLI start-up): a new stack is created from the
 * create-stack template (the deployment bucket), the package is uploaded to that bucket, and the
 * stack is updated from the uploaded template, its functions' code read from the uploaded zips; then
 * the Glue scripts the template names are uploaded, as the ingestion service's plugin does on AWS.
 *
 * A stack that is already deployed from this very package is left alone. Otherwise it is updated
 * keeping every parameter value it has (UsePreviousValue): a value a user set with
 * `serverless deploy --param` survives `npm start` until their next deploy without it, as on AWS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AwsError, type ObjectStore } from '../core/types';
import type { CloudFormationEngine } from '../providers/cloudformation/model/engine';
import type { StackRecord } from '../providers/cloudformation/model/types';
import type { ParameterInput } from '../providers/cloudformation/model/template';
import type { PackagedService } from './templates';

/** The template Metadata key naming the repository file a Glue job's script is uploaded from. */
export const GLUE_SCRIPT_SOURCE = 'ml-pipeline:script-source';
/** The modules the script imports (Metadata, paths from the repository root): uploaded beside the script. */
export const GLUE_EXTRA_PY_FILES_SOURCE = 'ml-pipeline:extra-py-files-source';
const DEPLOYMENT_BUCKET = 'ServerlessDeploymentBucket';
/** What `serverless deploy` names the template it uploads next to the zips. */
const COMPILED_TEMPLATE = 'compiled-cloudformation-template.json';
const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];
/** States only a delete gets a stack out of (a create that failed). */
const RECREATE_STATUSES = new Set(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED', 'REVIEW_IN_PROGRESS', 'DELETE_FAILED']);

export interface ServiceDeployer {
  engine: CloudFormationEngine;
  objects: Pick<ObjectStore, 'writeObject'>;
  /** Repository root: Glue script sources in template Metadata are relative to it. */
  root: string;
  log(message: string): void;
}

export type DeployOutcome = 'created' | 'updated' | 'unchanged';

export class ServiceDeployError extends Error {
  constructor(stack: StackRecord) {
    const failures = stack.events.filter((event) => event.ResourceStatus.endsWith('_FAILED') && event.ResourceType !== 'AWS::CloudFormation::Stack');
    const detail = failures.map((event) => `${event.LogicalResourceId} (${event.ResourceType}) ${event.ResourceStatus}: ${event.ResourceStatusReason}`).slice(-5);
    super(`stack ${stack.StackName} ended ${stack.StackStatus}${stack.StackStatusReason ? ` (${stack.StackStatusReason.trim()})` : ''}${detail.length > 0 ? `:\n  ${detail.join('\n  ')}` : ''}`);
    this.name = 'ServiceDeployError';
  }
}

export async function deployPackagedService(deployer: ServiceDeployer, service: PackagedService): Promise<DeployOutcome> {
  const { engine, log } = deployer;
  let stack = engine.findStack(service.stackName);
  if (stack) stack = await engine.settled(stack.StackId);
  if (stack && RECREATE_STATUSES.has(stack.StackStatus)) {
    log(`${service.stackName} is ${stack.StackStatus}: deleting it to create it again`);
    await engine.deleteStack({ StackName: stack.StackId });
    stack = await engine.settled(stack.StackId);
    if (stack.StackStatus !== 'DELETE_COMPLETE') throw new ServiceDeployError(stack);
    stack = undefined;
  }

  let outcome: DeployOutcome = 'updated';
  if (!stack) {
    const { StackId } = await engine.createStack({
      StackName: service.stackName,
      TemplateBody: readFileSync(service.createTemplateFile, 'utf8'),
      Capabilities: CAPABILITIES,
      Tags: [{ Key: 'STAGE', Value: service.stage }],
      OnFailure: 'DELETE',
    });
    stack = await engine.settled(StackId);
    if (stack.StackStatus !== 'CREATE_COMPLETE') throw new ServiceDeployError(stack);
    outcome = 'created';
  } else if (deployedArtifactDirectory(stack) === service.artifactDirectoryName) {
    return 'unchanged';
  }

  const bucket = stack.resources[DEPLOYMENT_BUCKET]?.physicalId;
  if (!bucket) throw new Error(`stack ${service.stackName} has no ${DEPLOYMENT_BUCKET}: it was not deployed by serverless; remove it (aws cloudformation delete-stack) and start again`);
  const uploads = readdirSync(service.outDir).filter((file) => file.endsWith('.zip') || file === path.basename(service.stateFile));
  for (const file of uploads) await deployer.objects.writeObject(bucket, `${service.artifactDirectoryName}/${file}`, readFileSync(path.join(service.outDir, file)));
  await deployer.objects.writeObject(bucket, `${service.artifactDirectoryName}/${COMPILED_TEMPLATE}`, readFileSync(service.updateTemplateFile));

  try {
    await engine.updateStack({
      StackName: service.stackName,
      TemplateURL: `https://s3.amazonaws.com/${bucket}/${service.artifactDirectoryName}/${COMPILED_TEMPLATE}`,
      Parameters: keptParameters(stack, service, log),
      Capabilities: CAPABILITIES,
    });
  } catch (error) {
    if (!(error instanceof AwsError && error.message === 'No updates are to be performed.')) throw error;
    return outcome === 'created' ? outcome : 'unchanged';
  }
  stack = await engine.settled(stack.StackId);
  if (stack.StackStatus !== 'UPDATE_COMPLETE') throw new ServiceDeployError(stack);
  await uploadGlueScripts(deployer, service);
  return outcome;
}

/** The package a stack's functions were last deployed from: the folder of their code's S3 key. */
function deployedArtifactDirectory(stack: StackRecord): string | undefined {
  for (const resource of Object.values(stack.template.Resources)) {
    const key = (resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
    if (resource.Type === 'AWS::Lambda::Function' && typeof key === 'string') return path.posix.dirname(key);
  }
  return undefined;
}

/** Every parameter the stack has keeps its value; new ones take the template's default. */
function keptParameters(stack: StackRecord, service: PackagedService, log: (message: string) => void): ParameterInput[] {
  const declared = service.template.Parameters ?? {};
  const kept: ParameterInput[] = [];
  for (const [name, declaration] of Object.entries(declared)) {
    if (!(name in stack.parameters)) continue;
    kept.push({ ParameterKey: name, UsePreviousValue: true });
    const value = stack.parameters[name];
    if (declaration.Default !== undefined && String(declaration.Default) !== value) {
      log(`${service.stackName}: keeping ${name}=${value} from its last deploy (serverless.yml's default: ${String(declaration.Default)}); \`npx serverless deploy --stage ${service.stage}\` in services/${service.name} sets the defaults again`);
    }
  }
  return kept;
}

/**
 * What services/ingestion/plugins/glue-script.js does after `serverless deploy`: each job's script to its
 * ScriptLocation, and the modules it imports beside it under their file names (where --extra-py-files finds them).
 */
async function uploadGlueScripts(deployer: ServiceDeployer, service: PackagedService): Promise<void> {
  const stack = deployer.engine.findStack(service.stackName)!;
  for (const [logicalId, declared] of Object.entries(service.template.Resources)) {
    const source = declared.Metadata?.[GLUE_SCRIPT_SOURCE];
    if (declared.Type !== 'AWS::Glue::Job' || typeof source !== 'string') continue;
    const location = String((stack.resources[logicalId]?.properties.Command as { ScriptLocation?: unknown } | undefined)?.ScriptLocation);
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!match) throw new Error(`${service.stackName}: Glue job ${logicalId}'s ScriptLocation ${location} is not an s3:// URI`);
    const [, bucket, key] = match as unknown as [string, string, string];
    const modules = (declared.Metadata?.[GLUE_EXTRA_PY_FILES_SOURCE] as string[] | undefined) ?? [];
    const files = [{ key, source }, ...modules.map((module) => ({ key: key.replace(/[^/]*$/, path.posix.basename(module)), source: module }))];
    for (const file of files) await deployer.objects.writeObject(bucket, file.key, readFileSync(path.join(deployer.root, file.source)));
  }
}
