/**
 * What each SageMaker operation needs in IAM (the service authorization reference, "Actions defined by
 * Amazon SageMaker AI"): the action on the resource's ARN (`training-job/<name>`, `model/<name>`,
 * `endpoint-config/<name>`, `endpoint/<name>`, the name in lower case as SageMaker's ARNs carry it);
 * CreateEndpoint and UpdateEndpoint on the endpoint and on the config it is deployed from; a Create*
 * that carries Tags also sagemaker:AddTags on the new resource; a Create* that hands SageMaker a role
 * (CreateTrainingJob's RoleArn, CreateModel's ExecutionRoleArn) also iam:PassRole on that role with
 * `iam:PassedToService=sagemaker.amazonaws.com`; the List* operations on `*`; the tag operations on the
 * ARN they name; transform jobs on `transform-job/<name>` (CreateTransformJob with `sagemaker:ModelArn`); the
 * model registry's groups and packages (CreateModelPackage of a group's version on the group);
 * InvokeEndpoint (SageMaker Runtime) sagemaker:InvokeEndpoint on the endpoint.
 */
import { arnOf, type Permission } from '../../core/iam';
import type { AwsRequestHead, OperationPermissions } from '../../core/types';

type Input = Record<string, unknown>;
type SageMakerPermissions = OperationPermissions<Input>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The resource `<type>/<name>` named by `input[field]`; `*` when the input names none (its handler refuses it). */
const resourceOf = (type: string, field: string) => (input: Input, request: AwsRequestHead): string => {
  const name = text(input[field]);
  return name === undefined ? '*' : arnOf('sagemaker', `${type}/${name.toLowerCase()}`, request);
};

const hasTags = (input: Input): boolean => Array.isArray(input.Tags) && input.Tags.length > 0;

/** iam:PassRole on the role the input hands SageMaker, when it names one. */
function passRole(roleArn: unknown): Permission[] {
  const role = text(roleArn);
  return role === undefined ? [] : [{ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }];
}

const onResource = (action: string, type: string, field: string): SageMakerPermissions => (input, request) => [{ action, resource: resourceOf(type, field)(input, request) }];

/** Create<Kind>: the action on the new resource, AddTags when tagged, PassRole for the role it is given. */
const creating = (action: string, type: string, field: string, roleField?: string): SageMakerPermissions => (input, request) => {
  const resource = resourceOf(type, field)(input, request);
  return [
    { action, resource },
    ...(hasTags(input) ? [{ action: 'sagemaker:AddTags', resource }] : []),
    ...(roleField === undefined ? [] : passRole(input[roleField])),
  ];
};

/** Create/UpdateEndpoint: on the endpoint and on the endpoint config it deploys. */
const deploying = (action: string): SageMakerPermissions => (input, request) => {
  const endpoint = resourceOf('endpoint', 'EndpointName')(input, request);
  return [
    { action, resource: endpoint },
    { action, resource: resourceOf('endpoint-config', 'EndpointConfigName')(input, request) },
    ...(action === 'sagemaker:CreateEndpoint' && hasTags(input) ? [{ action: 'sagemaker:AddTags', resource: endpoint }] : []),
  ];
};

const onAnything = (action: string): SageMakerPermissions => () => [{ action, resource: '*' }];

/** A model package by ARN (as given) or by name (`model-package/<name>`). */
const onPackage = (action: string, field: string): SageMakerPermissions => (input, request) => {
  const named = text(input[field]);
  return [{ action, resource: named?.startsWith('arn:') ? named : resourceOf('model-package', field)(input, request) }];
};
const onResourceArn = (action: string): SageMakerPermissions => (input) => [{ action, resource: text(input.ResourceArn) ?? '*' }];

/** Keyed like the provider's SAGEMAKER_OPERATIONS (declarations.test checks the two match). */
export const SAGEMAKER_PERMISSIONS: Readonly<Record<string, SageMakerPermissions>> = {
  AddTags: onResourceArn('sagemaker:AddTags'),
  ListTags: onResourceArn('sagemaker:ListTags'),
  DeleteTags: onResourceArn('sagemaker:DeleteTags'),
  CreateTrainingJob: creating('sagemaker:CreateTrainingJob', 'training-job', 'TrainingJobName', 'RoleArn'),
  DescribeTrainingJob: onResource('sagemaker:DescribeTrainingJob', 'training-job', 'TrainingJobName'),
  ListTrainingJobs: onAnything('sagemaker:ListTrainingJobs'),
  StopTrainingJob: onResource('sagemaker:StopTrainingJob', 'training-job', 'TrainingJobName'),
  CreateModel: creating('sagemaker:CreateModel', 'model', 'ModelName', 'ExecutionRoleArn'),
  DescribeModel: onResource('sagemaker:DescribeModel', 'model', 'ModelName'),
  ListModels: onAnything('sagemaker:ListModels'),
  DeleteModel: onResource('sagemaker:DeleteModel', 'model', 'ModelName'),
  CreateEndpointConfig: creating('sagemaker:CreateEndpointConfig', 'endpoint-config', 'EndpointConfigName'),
  DescribeEndpointConfig: onResource('sagemaker:DescribeEndpointConfig', 'endpoint-config', 'EndpointConfigName'),
  ListEndpointConfigs: onAnything('sagemaker:ListEndpointConfigs'),
  DeleteEndpointConfig: onResource('sagemaker:DeleteEndpointConfig', 'endpoint-config', 'EndpointConfigName'),
  CreateEndpoint: deploying('sagemaker:CreateEndpoint'),
  UpdateEndpoint: deploying('sagemaker:UpdateEndpoint'),
  DescribeEndpoint: onResource('sagemaker:DescribeEndpoint', 'endpoint', 'EndpointName'),
  ListEndpoints: onAnything('sagemaker:ListEndpoints'),
  DeleteEndpoint: onResource('sagemaker:DeleteEndpoint', 'endpoint', 'EndpointName'),
  // Batch Transform: on transform-job/<name>; the model it runs is named by the sagemaker:ModelArn condition key.
  CreateTransformJob: (input, request) => {
    const model = text(input.ModelName);
    return creating('sagemaker:CreateTransformJob', 'transform-job', 'TransformJobName')(input, request).map((permission) =>
      permission.action === 'sagemaker:CreateTransformJob' && model !== undefined ? { ...permission, context: { 'sagemaker:ModelArn': arnOf('sagemaker', `model/${model.toLowerCase()}`, request) } } : permission,
    );
  },
  DescribeTransformJob: onResource('sagemaker:DescribeTransformJob', 'transform-job', 'TransformJobName'),
  ListTransformJobs: onAnything('sagemaker:ListTransformJobs'),
  StopTransformJob: onResource('sagemaker:StopTransformJob', 'transform-job', 'TransformJobName'),
  // The model registry: groups on model-package-group/<name>; a version created in a group on the group (a
  // package outside any group on model-package/<name>); a package named by ARN (a group's versions are
  // model-package/<group>/<version>) on that ARN; the List operations on `*`.
  CreateModelPackageGroup: creating('sagemaker:CreateModelPackageGroup', 'model-package-group', 'ModelPackageGroupName'),
  DescribeModelPackageGroup: onResource('sagemaker:DescribeModelPackageGroup', 'model-package-group', 'ModelPackageGroupName'),
  ListModelPackageGroups: onAnything('sagemaker:ListModelPackageGroups'),
  DeleteModelPackageGroup: onResource('sagemaker:DeleteModelPackageGroup', 'model-package-group', 'ModelPackageGroupName'),
  CreateModelPackage: (input, request) => {
    const group = text(input.ModelPackageGroupName);
    if (group === undefined) return creating('sagemaker:CreateModelPackage', 'model-package', 'ModelPackageName')(input, request);
    const resource = group.startsWith('arn:') ? group : arnOf('sagemaker', `model-package-group/${group.toLowerCase()}`, request);
    return [{ action: 'sagemaker:CreateModelPackage', resource }, ...(hasTags(input) ? [{ action: 'sagemaker:AddTags', resource }] : [])];
  },
  DescribeModelPackage: onPackage('sagemaker:DescribeModelPackage', 'ModelPackageName'),
  ListModelPackages: onAnything('sagemaker:ListModelPackages'),
  UpdateModelPackage: onPackage('sagemaker:UpdateModelPackage', 'ModelPackageArn'),
  DeleteModelPackage: onPackage('sagemaker:DeleteModelPackage', 'ModelPackageName'),
};

/** SageMaker Runtime's InvokeEndpoint: its input is the endpoint the invocation path names. */
export const INVOKE_ENDPOINT_PERMISSIONS = onResource('sagemaker:InvokeEndpoint', 'endpoint', 'EndpointName');
