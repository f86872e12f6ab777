/**
 * The event-pattern matcher, by table: AWS's documented examples (EventBridge content filtering,
 * null/empty-string matching, and event-ruler's array and `$or` examples), plus invalid patterns.
 */
import { AwsError } from '../../local-stack/src/core/types';
import { compilePattern, matchesPattern, validatePattern } from '../../local-stack/src/providers/events/model/pattern';

/** The sample EC2 event of the EventBridge documentation. */
const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

type Case = [description: string, pattern: unknown, expected: boolean];

const ec2Cases: Case[] = [
  ['exact values, event array intersects', { 'detail-type': ['EC2 Instance State-change Notification'], resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'], detail: { state: ['initializing', 'running'] } }, true],
  ['exact value that differs', { source: ['aws.s3'] }, false],
  ['a field the event lacks', { detail: { colour: ['red'] } }, false],
  ['fields are ANDed', { source: ['aws.ec2'], detail: { state: ['stopped'] } }, false],
  ['numbers match numbers', { detail: { 'c-count': [5] } }, true],
  ['a string never equals a number', { detail: { 'c-count': ['5'] } }, false],
  ['prefix', { time: [{ prefix: '2017-10-02' }] }, true],
  ['prefix that differs', { time: [{ prefix: '2017-10-03' }] }, false],
  ['prefix ignoring case', { source: [{ prefix: { 'equals-ignore-case': 'AWS.EC' } }] }, true],
  ['suffix', { source: [{ suffix: 'ec2' }] }, true],
  ['suffix ignoring case', { source: [{ suffix: { 'equals-ignore-case': 'EC2' } }] }, true],
  ['suffix that differs', { source: [{ suffix: 's3' }] }, false],
  ['prefix on a number never matches', { detail: { 'c-count': [{ prefix: '5' }] } }, false],
  ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, true],
  ['wildcard', { source: [{ wildcard: 'aws.*2' }] }, true],
  ['wildcard over an array', { resources: [{ wildcard: 'arn:aws:ec2:*:instance/*' }] }, true],
  ['wildcard that differs', { source: [{ wildcard: 'aws.*3' }] }, false],
  ['anything-but a string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, true],
  ['anything-but the value', { detail: { state: [{ 'anything-but': 'running' }] } }, false],
  ['anything-but a list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, true],
  ['anything-but a list holding the value', { detail: { state: [{ 'anything-but': ['running', 'stopped'] }] } }, false],
  ['anything-but numbers', { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, true],
  ['anything-but the number', { detail: { 'x-limit': [{ 'anything-but': 301.8 }] } }, false],
  ['anything-but a string matches a number', { detail: { 'c-count': [{ 'anything-but': 'five' }] } }, true],
  ['anything-but on a missing field', { detail: { colour: [{ 'anything-but': 'red' }] } }, false],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, true],
  ['anything-but prefix of the value', { detail: { state: [{ 'anything-but': { prefix: 'run' } }] } }, false],
  ['anything-but suffix of the value', { detail: { state: [{ 'anything-but': { suffix: 'ing' } }] } }, false],
  ['anything-but equals-ignore-case of the value', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] } }, false],
  ['anything-but equals-ignore-case of others', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED', 'Pending'] } }] } }, true],
  ['anything-but wildcard matching the value', { resources: [{ 'anything-but': { wildcard: '*:instance/*' } }] }, false],
  ['anything-but wildcard not matching', { resources: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, true],
  ['numeric ranges (documented example)', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, true],
  ['numeric bound excluded', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, false],
  ['numeric bound included', { detail: { 'c-count': [{ numeric: ['>=', 5] }] } }, true],
  ['numeric range, value above', { detail: { 'x-limit': [{ numeric: ['>=', 0, '<', 300] }] } }, false],
  ['numeric on a string never matches', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
  ['cidr /24', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
  ['cidr /8', { detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, true],
  ['cidr elsewhere', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
  ['exists true', { detail: { 'c-count': [{ exists: true }] } }, true],
  ['exists true on a missing field', { detail: { colour: [{ exists: true }] } }, false],
  ['exists false on a missing field', { detail: { colour: [{ exists: false }] } }, true],
  ['exists false on a present field', { detail: { 'c-count': [{ exists: false }] } }, false],
  ['exists false under a missing object', { extra: { colour: [{ exists: false }] } }, true],
  ['OR inside a value list', { detail: { state: [{ prefix: 'stop' }, 'running'] } }, true],
  [
    'documented complex example',
    {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    true,
  ],
  ['$or: one branch matches', { source: ['aws.ec2'], $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [5] } }] }, true],
  ['$or: no branch matches', { source: ['aws.ec2'], $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [6] } }] }, false],
  ['$or nested in an object', { detail: { $or: [{ state: ['stopped'] }, { 'd-count': [{ numeric: ['<', 4] }] }] } }, true],
];

describe('matchesPattern: documented EC2 example', () => {
  it.each(ec2Cases)('%s', (_description, pattern, expected) => {
    expect(matchesPattern(pattern, ec2Event)).toBe(expected);
  });

  it('accepts the pattern as JSON text', () => {
    expect(matchesPattern('{"source":["aws.ec2"],"detail":{"state":["running"]}}', ec2Event)).toBe(true);
  });
});

describe('matchesPattern: null values and empty strings', () => {
  const event = { source: 'aws.autoscaling', detail: { eventVersion: '', responseElements: null } };
  it.each<Case>([
    ['empty string', { detail: { eventVersion: [''] } }, true],
    ['null', { detail: { responseElements: [null] } }, true],
    ['null does not match an empty string', { detail: { eventVersion: [null] } }, false],
    ['an empty string does not match null', { detail: { responseElements: [''] } }, false],
    ['null does not match a missing field', { detail: { other: [null] } }, false],
    ['a null field exists', { detail: { responseElements: [{ exists: true }] } }, true],
  ])('%s', (_description, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('matchesPattern: arrays in the event (array-consistent, as event-ruler)', () => {
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };
  const nested = { employees: [[{ firstName: 'John', lastName: 'Doe' }, { firstName: 'Anna', lastName: 'Smith' }], [{ firstName: 'Peter', lastName: 'Jones' }]] };
  it.each<[string, unknown, unknown, boolean]>([
    ['a field inside array elements', { employees: { firstName: ['Anna'] } }, employees, true],
    ['two fields of the same element', { employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees, true],
    ['two fields of different elements', { employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees, false],
    ['multi-level arrays', { employees: { firstName: ['Peter'] } }, nested, true],
    ['multi-level arrays, different elements', { employees: { firstName: ['Anna'], lastName: ['Jones'] } }, nested, false],
    ['an empty array has no values', { tags: ['a'] }, { tags: [] }, false],
    ['exists false on an empty array', { tags: [{ exists: false }] }, { tags: [] }, true],
    ['exists true on an array of values', { tags: [{ exists: true }] }, { tags: ['a'] }, true],
    ['exists false on an intermediate (non-leaf) node', { detail: { 'c-count': [{ exists: false }] } }, { detail: { 'c-count': { c1: 100 } } }, true],
  ])('%s', (_description, pattern, event, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('matchesPattern: $or (event-ruler examples)', () => {
  const event = { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', metricId: 1234, scope: 'Other' };
  it.each<Case>([
    ['normal OR', { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] }, true],
    ['OR with an AND inside', { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }, { scope: ['Service'] }] }, true],
    ['OR with an AND inside that fails', { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['Other'], namespace: ['AWS/EC2'] }, { scope: ['Service'] }] }, false],
    [
      'nested OR and AND',
      { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPU'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }] },
      true,
    ],
    ['parallel ORs must both match', { $or: [{ metricName: ['CPU'] }, { namespace: ['AWS/EC2'] }], detail: { $or: [{ a: ['x'] }, { b: ['y'] }] } }, false],
  ])('%s', (_description, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('matchesPattern: wildcards, IPv6 and numbers', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['escaped asterisk matches a literal *', { path: [{ wildcard: 'a\\*b' }] }, { path: 'a*b' }, true],
    ['escaped asterisk is not a wildcard', { path: [{ wildcard: 'a\\*b' }] }, { path: 'axb' }, false],
    ['wildcard spans slashes', { file: [{ wildcard: 'dir/*.png' }] }, { file: 'dir/sub/image.png' }, true],
    ['wildcard anchored at both ends', { file: [{ wildcard: 'dir/*.png' }] }, { file: 'dir/image.png.txt' }, false],
    ['IPv6 cidr', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8:0:0:1::1' }, true],
    ['IPv6 cidr elsewhere', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db9::1' }, false],
    ['IPv4 address against an IPv6 range', { ip: [{ cidr: '::/0' }] }, { ip: '10.0.0.1' }, false],
    ['numeric with 6 decimal digits of precision', { n: [{ numeric: ['=', 0.1] }] }, { n: 0.1000000001 }, true],
    ['numeric on negative values', { n: [{ numeric: ['<', 0] }] }, { n: -3 }, true],
    ['numeric over array values', { n: [{ numeric: ['>', 10] }] }, { n: [1, 2, 30] }, true],
    ['booleans match exactly', { flag: [true] }, { flag: true }, true],
    ['a boolean does not match its string', { flag: ['true'] }, { flag: true }, false],
    ['equals-ignore-case does not match numbers', { n: [{ 'equals-ignore-case': '5' }] }, { n: 5 }, false],
    ['a pattern object does not match a scalar', { detail: { state: ['x'] } }, { detail: 'state' }, false],
  ])('%s', (_description, pattern, event, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('validatePattern', () => {
  it.each<[string, unknown]>([
    ['text that is not JSON', '{"source": ['],
    ['a top-level array', ['aws.ec2']],
    ['a top-level string', 'aws.ec2'],
    ['an empty pattern', {}],
    ['a leaf that is not an array', { source: 'aws.ec2' }],
    ['an empty array', { source: [] }],
    ['an empty object', { detail: {} }],
    ['an array inside the value list', { x: [[1]] }],
    ['an unknown operator', { source: [{ contains: 'x' }] }],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['a prefix that is not a string', { source: [{ prefix: 5 }] }],
    ['an unknown key inside prefix', { source: [{ prefix: { 'starts-with': 'a' } }] }],
    ['a numeric bound that is not a number', { x: [{ numeric: ['>', 'five'] }] }],
    ['an unknown numeric operator', { x: [{ numeric: ['>>', 5] }] }],
    ['a range with bottom above top', { x: [{ numeric: ['>', 10, '<', 5] }] }],
    ['a range with two lower bounds', { x: [{ numeric: ['>', 1, '>', 5] }] }],
    ['a numeric bound out of range', { x: [{ numeric: ['>', 1e10] }] }],
    ['exists that is not a boolean', { x: [{ exists: 'yes' }] }],
    ['anything-but mixing strings and numbers', { x: [{ 'anything-but': [1, 'a'] }] }],
    ['anything-but with an unknown operator', { x: [{ 'anything-but': { contains: 'a' } }] }],
    ['anything-but with null', { x: [{ 'anything-but': null }] }],
    ['consecutive wildcards', { x: [{ wildcard: 'a**b' }] }],
    ['a bad escape in a wildcard', { x: [{ wildcard: 'a\\b' }] }],
    ['a cidr prefix too long', { x: [{ cidr: '10.0.0.0/33' }] }],
    ['a cidr that is no address', { x: [{ cidr: 'banana' }] }],
  ])('rejects %s', (_description, pattern) => {
    let thrown: unknown;
    try {
      validatePattern(pattern);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AwsError);
    expect(thrown).toMatchObject({ code: 'InvalidEventPatternException', status: 400 });
    expect((thrown as AwsError).message).toMatch(/^Event pattern is not valid\. Reason: .+/);
  });

  it('names the offending field in the reason, with the parser location AWS appends', () => {
    // event-ruler (JsonRuleCompiler) names the field, not its path; Jackson appends where it stopped.
    expect(() => validatePattern({ detail: { state: 'running' } })).toThrow(
      'Event pattern is not valid. Reason: "state" must be an object or an array\n at [Source: (String)"{"detail":{"state":"running"}}"; line: 1, column: 21]',
    );
  });

  it('refuses operator names as fields inside $or (event-ruler reserves them there)', () => {
    expect(() => validatePattern({ $or: [{ prefix: 'x' }, { suffix: 'y' }] })).toThrow('Reason: prefix is Ruler reserved fieldName which cannot be used inside $or.');
  });

  it('accepts every documented operator', () => {
    expect(() =>
      compilePattern({
        a: ['x', 1, true, null, ''],
        b: [{ prefix: 'p' }, { prefix: { 'equals-ignore-case': 'P' } }, { suffix: 's' }, { suffix: { 'equals-ignore-case': 'S' } }],
        c: [{ 'equals-ignore-case': 'e' }, { wildcard: 'w*' }, { cidr: '10.0.0.0/8' }, { cidr: '2001:db8::/32' }, { exists: true }],
        d: [{ numeric: ['>', 0, '<=', 5] }, { numeric: ['=', 1] }, { numeric: ['<', 10] }],
        e: [
          { 'anything-but': 'x' },
          { 'anything-but': 1 },
          { 'anything-but': ['x', 'y'] },
          { 'anything-but': [1, 2] },
          { 'anything-but': { prefix: 'p' } },
          { 'anything-but': { suffix: 's' } },
          { 'anything-but': { 'equals-ignore-case': ['a', 'b'] } },
          { 'anything-but': { wildcard: '*/lib/*' } },
        ],
        $or: [{ f: ['1'] }, { g: ['2'] }],
      }),
    ).not.toThrow();
  });
});
