import { resolveIntrinsics, UnsupportedIntrinsicError } from './intrinsics';

const context = {
  accountId: '000000000000',
  region: 'us-east-1',
  stackName: 'ml-pipeline-ingestion-local',
  parameters: { Stage: 'local' },
  conditions: { IsProd: false },
  refResource: (id: string) => `physical-${id}`,
  getAtt: (id: string, attribute: string) => `arn:${id}:${attribute}`,
  importValue: (name: string) => `imported-${name}`,
};

describe('resolveIntrinsics', () => {
  it('resolves Sub with pseudo parameters, parameters, resources and attributes', () => {
    expect(
      resolveIntrinsics({ 'Fn::Sub': 'ml-pipeline-${Stage}-data-${AWS::AccountId}-${AWS::Region}/${Queue.Arn}/${!Literal}' }, context),
    ).toBe('ml-pipeline-local-data-000000000000-us-east-1/arn:Queue:Arn/${Literal}');
    expect(resolveIntrinsics({ 'Fn::Sub': ['${A}-${Bucket}', { A: { Ref: 'AWS::Partition' } }] }, context)).toBe(
      'aws-physical-Bucket',
    );
  });

  it('resolves nested Join, Select, Split, GetAtt, ImportValue and If', () => {
    const template = {
      Arn: { 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, { 'Fn::GetAtt': ['Fn', 'Arn'] }]] },
      Part: { 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] },
      Dotted: { 'Fn::GetAtt': 'Role.Arn' },
      Imported: { 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-Out' } },
      Chosen: { 'Fn::If': ['IsProd', 'big', { Ref: 'AWS::NoValue' }] },
      List: ['keep', { Ref: 'AWS::NoValue' }],
    };
    expect(resolveIntrinsics(template, context)).toEqual({
      Arn: 'arn:aws:arn:Fn:Arn',
      Part: 'b',
      Dotted: 'arn:Role:Arn',
      Imported: 'imported-ml-pipeline-ingestion-local-Out',
      List: ['keep'],
    });
  });

  it('names an unsupported function instead of ignoring it', () => {
    expect(() => resolveIntrinsics({ 'Fn::Cidr': ['10.0.0.0/16', 6, 5] }, context)).toThrow(UnsupportedIntrinsicError);
    expect(() => resolveIntrinsics({ 'Fn::Cidr': ['10.0.0.0/16', 6, 5] }, context)).toThrow(/Fn::Cidr/);
  });

  it('resolves FindInMap, GetAZs and the stack pseudo parameters a CloudFormation stack has', () => {
    const withStack = { ...context, stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/s/1', notificationArns: ['arn:aws:sns:us-east-1:000000000000:t'], mappings: { Sizes: { local: { Memory: 256 } } } };
    expect(
      resolveIntrinsics({ Memory: { 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] }, Zone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, Id: { Ref: 'AWS::StackId' }, Topics: { Ref: 'AWS::NotificationARNs' } }, withStack),
    ).toEqual({ Memory: 256, Zone: 'us-east-1a', Id: 'arn:aws:cloudformation:us-east-1:000000000000:stack/s/1', Topics: ['arn:aws:sns:us-east-1:000000000000:t'] });
    expect(() => resolveIntrinsics({ 'Fn::FindInMap': ['Sizes', 'prod', 'Memory'] }, withStack)).toThrow('Fn::FindInMap: mapping Sizes has no prod.Memory');
  });
});
