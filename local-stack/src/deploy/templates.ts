import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const SERVICE_NAMES = ['ingestion', 'training', 'deployment', 'notification'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Transform?: unknown;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export interface PackagedService {
  name: ServiceName;
  directory: string;
  /** The CloudFormation stack name Serverless would deploy: `<service>-<stage>`. */
  stackName: string;
  stage: string;
  /** The update-stack template: everything the service deploys. */
  template: CfnTemplate;
  /** Function logical id -> the zip `serverless package` produced for it. */
  artifacts: Record<string, string>;
  /** `services/<name>/.serverless/` */
  outDir: string;
  /** The template `serverless deploy` creates a new stack with (the deployment bucket alone). */
  createTemplateFile: string;
  updateTemplateFile: string;
  stateFile: string;
  /** Where `serverless deploy` uploads this package in the deployment bucket: `serverless/<service>/<stage>/<time>`. */
  artifactDirectoryName: string;
}

export class MissingPackageError extends Error {
  constructor(service: string, file: string) {
    super(`service ${service} is not packaged (${file} is missing): run \`npm run package\` first`);
    this.name = 'MissingPackageError';
  }
}

interface ServerlessState {
  service: { service: string; provider: { stage: string }; functions?: Record<string, { package?: { artifact?: string } }> };
  package: { artifactDirectoryName: string };
}

/** Reads what `serverless package` wrote into `services/<name>/.serverless/`. */
export function loadPackagedService(root: string, name: ServiceName): PackagedService {
  const directory = path.join(root, 'services', name);
  const outDir = path.join(directory, '.serverless');
  const templateFile = path.join(outDir, 'cloudformation-template-update-stack.json');
  const createTemplateFile = path.join(outDir, 'cloudformation-template-create-stack.json');
  const stateFile = path.join(outDir, 'serverless-state.json');
  for (const file of [templateFile, createTemplateFile, stateFile]) {
    if (!existsSync(file)) throw new MissingPackageError(name, path.relative(root, file));
  }
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as CfnTemplate;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ServerlessState;
  const artifacts: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key = (resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
    const zipName = typeof key === 'string' ? path.posix.basename(key) : undefined;
    if (zipName) artifacts[logicalId] = path.join(outDir, zipName);
  }
  return {
    name,
    directory,
    stackName: `${state.service.service}-${state.service.provider.stage}`,
    stage: state.service.provider.stage,
    template,
    artifacts,
    outDir,
    createTemplateFile,
    updateTemplateFile: templateFile,
    stateFile,
    artifactDirectoryName: state.package.artifactDirectoryName,
  };
}
