/**
 * What each SQS operation needs in IAM (the service authorization reference, "Actions defined by
 * Amazon SQS"): the action on the queue's ARN. The batch operations are authorized as their single
 * forms (SendMessageBatch is sqs:SendMessage); ListQueues has no resource-level permissions.
 */
import { arnOf } from '../../core/iam';
import type { Permission } from '../../core/iam';
import type { AwsRequestHead, OperationPermissions } from '../../core/types';
import { queueNameOfUrl } from './model/service';
import type { SQS_OPERATIONS } from './operations';
import type { WireInput } from './wire-input';

type SqsPermissions = OperationPermissions<WireInput>;

function queueArn(name: string | undefined, request: AwsRequestHead): string {
  // A request without a usable queue name is refused by its handler; authorized as on any queue until then.
  return name === undefined ? '*' : arnOf('sqs', name, request);
}

/** `action` on the queue the input's QueueUrl names. */
function onQueueUrl(action: string): SqsPermissions {
  return (input, request) => {
    const url = input.optionalString('QueueUrl');
    return [{ action, resource: queueArn(url === undefined ? undefined : queueNameOfUrl(url), request) }];
  };
}

function onQueueName(action: string): SqsPermissions {
  return (input, request) => [{ action, resource: queueArn(input.optionalString('QueueName'), request) }];
}

function onSourceArn(action: string): SqsPermissions {
  return (input) => [{ action, resource: input.optionalString('SourceArn') ?? '*' }];
}

const onAnything = (action: string): SqsPermissions => () => [{ action, resource: '*' } satisfies Permission];

export const SQS_PERMISSIONS: { readonly [Name in keyof typeof SQS_OPERATIONS]: SqsPermissions } = {
  CreateQueue: onQueueName('sqs:CreateQueue'),
  GetQueueUrl: onQueueName('sqs:GetQueueUrl'),
  ListQueues: onAnything('sqs:ListQueues'),
  DeleteQueue: onQueueUrl('sqs:DeleteQueue'),
  PurgeQueue: onQueueUrl('sqs:PurgeQueue'),
  GetQueueAttributes: onQueueUrl('sqs:GetQueueAttributes'),
  SetQueueAttributes: onQueueUrl('sqs:SetQueueAttributes'),
  AddPermission: onQueueUrl('sqs:AddPermission'),
  RemovePermission: onQueueUrl('sqs:RemovePermission'),
  TagQueue: onQueueUrl('sqs:TagQueue'),
  UntagQueue: onQueueUrl('sqs:UntagQueue'),
  ListQueueTags: onQueueUrl('sqs:ListQueueTags'),
  ListDeadLetterSourceQueues: onQueueUrl('sqs:ListDeadLetterSourceQueues'),
  SendMessage: onQueueUrl('sqs:SendMessage'),
  SendMessageBatch: onQueueUrl('sqs:SendMessage'),
  ReceiveMessage: onQueueUrl('sqs:ReceiveMessage'),
  DeleteMessage: onQueueUrl('sqs:DeleteMessage'),
  DeleteMessageBatch: onQueueUrl('sqs:DeleteMessage'),
  ChangeMessageVisibility: onQueueUrl('sqs:ChangeMessageVisibility'),
  ChangeMessageVisibilityBatch: onQueueUrl('sqs:ChangeMessageVisibility'),
  StartMessageMoveTask: onSourceArn('sqs:StartMessageMoveTask'),
  ListMessageMoveTasks: onSourceArn('sqs:ListMessageMoveTasks'),
  // The task handle names its source queue only opaquely: authorized on any queue.
  CancelMessageMoveTask: onAnything('sqs:CancelMessageMoveTask'),
};
