/**
 * The providers' IAM declarations name the actions and resource ARNs of AWS's service authorization
 * reference (the examples of issue 11: glue:StartJobRun on job/<name>, events:PutEvents on the bus,
 * SQS actions on the queue ARN, the batch forms as their single actions).
 */
import { EVENTS_PERMISSIONS } from '../../providers/events/permissions';
import { GLUE_PERMISSIONS } from '../../providers/glue/permissions';
import { SQS_PERMISSIONS } from '../../providers/sqs/permissions';
import { WireInput } from '../../providers/sqs/wire-input';
import { EVENTS_OPERATIONS } from '../../providers/events/operations';
import { GLUE_OPERATIONS } from '../../providers/glue/operations';
import { SQS_OPERATIONS } from '../../providers/sqs/operations';
import type { AwsRequestHead } from '../types';

const request = { region: 'us-east-1', accountId: '000000000000' } as AwsRequestHead;

describe('IAM declarations', () => {
  it('every operation of SQS, Glue and EventBridge declares its permissions', () => {
    expect(Object.keys(SQS_PERMISSIONS).sort()).toEqual(Object.keys(SQS_OPERATIONS).sort());
    expect(Object.keys(GLUE_PERMISSIONS).sort()).toEqual(Object.keys(GLUE_OPERATIONS).sort());
    expect(Object.keys(EVENTS_PERMISSIONS).sort()).toEqual(Object.keys(EVENTS_OPERATIONS).sort());
  });

  it('Glue: job actions on job/<name>', () => {
    expect(GLUE_PERMISSIONS.StartJobRun!({ JobName: 'ml-pipeline-local-preprocess' }, request)).toEqual([{ action: 'glue:StartJobRun', resource: 'arn:aws:glue:us-east-1:000000000000:job/ml-pipeline-local-preprocess' }]);
    expect(GLUE_PERMISSIONS.GetJobs!({}, request)).toEqual([{ action: 'glue:GetJobs', resource: '*' }]);
  });

  it('EventBridge: PutEvents on each bus its entries name, rules under their bus', () => {
    expect(EVENTS_PERMISSIONS.PutEvents!({ Entries: [{ Source: 'a' }, { EventBusName: 'default' }, { EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/ml' }] }, request)).toEqual([
      { action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
      { action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:000000000000:event-bus/ml' },
    ]);
    expect(EVENTS_PERMISSIONS.PutTargets!({ Rule: 'r' }, request)).toEqual([{ action: 'events:PutTargets', resource: 'arn:aws:events:us-east-1:000000000000:rule/r' }]);
    expect(EVENTS_PERMISSIONS.PutRule!({ Name: 'r', EventBusName: 'ml' }, request)).toEqual([{ action: 'events:PutRule', resource: 'arn:aws:events:us-east-1:000000000000:rule/ml/r' }]);
  });

  it('SQS: the queue ARN from the queue URL; SendMessageBatch is sqs:SendMessage', () => {
    const input = new WireInput({ QueueUrl: 'http://127.0.0.1:4566/000000000000/ml-pipeline-local-notifications' }, {});
    expect(SQS_PERMISSIONS.SendMessageBatch!(input, request)).toEqual([{ action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:ml-pipeline-local-notifications' }]);
    expect(SQS_PERMISSIONS.ListQueues!(new WireInput({}, {}), request)).toEqual([{ action: 'sqs:ListQueues', resource: '*' }]);
  });
});
