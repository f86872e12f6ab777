/**
 * CloudWatch Logs through the AWS SDK v3 client (what osls's `serverless logs` uses): groups,
 * streams, PutLogEvents, GetLogEvents / FilterLogEvents with their paginators, retention, AWS's
 * error codes, and the events still there after a restart of the server.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  paginateDescribeLogGroups,
  paginateFilterLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import { clientsOf, useProviderStack } from '../support/stack';

describe('CloudWatch Logs through the AWS SDK', () => {
  const stack = useProviderStack();
  // The stack's client (a new one after restart()); the paginators want the client itself, stack.client.logs.
  const { logs } = clientsOf(stack);

  const group = '/aws/lambda/ml-pipeline-ingestion-local-ingestDrop';
  const stream = '2026/12/07/[$LATEST]0123456789abcdef0123456789abcdef';

  it('creates a group and a stream, takes events and gives them back', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    const now = Date.now();
    const put = await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        logEvents: [
          { timestamp: now - 2, message: 'START RequestId: r1 Version: $LATEST' },
          { timestamp: now - 1, message: JSON.stringify({ level: 'ERROR', message: 'drop rejected', service: 'ingestion' }) },
          { timestamp: now, message: 'END RequestId: r1' },
        ],
      }),
    );
    expect(put.nextSequenceToken).toMatch(/^\d+$/);
    expect(put.rejectedLogEventsInfo).toBeUndefined();

    const read = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
    expect(read.events?.map((event) => event.message)).toEqual(['START RequestId: r1 Version: $LATEST', expect.stringContaining('drop rejected'), 'END RequestId: r1']);
    expect(read.events?.[0]).toEqual({ timestamp: now - 2, message: expect.any(String), ingestionTime: expect.any(Number) });

    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '{ $.level = "ERROR" }', logStreamNames: [stream], interleaved: true }));
    expect(filtered.events).toEqual([expect.objectContaining({ logStreamName: stream, timestamp: now - 1, eventId: expect.stringMatching(/^\d{56}$/) })]);

    const described = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'LastEventTime', descending: true, limit: 50 }));
    expect(described.logStreams).toEqual([expect.objectContaining({ logStreamName: stream, firstEventTimestamp: now - 2, lastEventTimestamp: now })]);
  });

  it('pages FilterLogEvents and DescribeLogGroups with the SDK paginators', async () => {
    const now = Date.now();
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'paged' }));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'paged', logEvents: Array.from({ length: 120 }, (_, index) => ({ timestamp: now + index, message: `line ${index}` })) }));
    const messages: string[] = [];
    let pages = 0;
    for await (const page of paginateFilterLogEvents({ client: stack.client.logs, pageSize: 25 }, { logGroupName: group, logStreamNamePrefix: 'paged' })) {
      pages++;
      messages.push(...(page.events ?? []).map((event) => event.message!));
    }
    expect(messages).toEqual(Array.from({ length: 120 }, (_, index) => `line ${index}`));
    expect(pages).toBe(5);

    for (let index = 0; index < 7; index++) await logs.send(new CreateLogGroupCommand({ logGroupName: `/paging/group-${index}` }));
    const names: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client: stack.client.logs, pageSize: 3 }, { logGroupNamePrefix: '/paging/' })) names.push(...(page.logGroups ?? []).map((entry) => entry.logGroupName!));
    expect(names).toEqual(Array.from({ length: 7 }, (_, index) => `/paging/group-${index}`));
  });

  it('answers AWS error codes', async () => {
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: group }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: '/missing', logStreamName: 's' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    await expect(logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'missing', logEvents: [{ timestamp: Date.now(), message: 'x' }] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
    });
    await expect(logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 8 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '[ip, user]' }))).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(/^Invalid filter pattern/) });
  });

  it('keeps groups, retention and events across a restart, and deletes a group with its events', async () => {
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 14 }));
    await stack.restart();
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }));
    expect(groups.logGroups).toEqual([expect.objectContaining({ logGroupName: group, retentionInDays: 14, storedBytes: expect.any(Number) })]);
    const read = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
    expect(read.events).toHaveLength(3);

    await logs.send(new DeleteLogGroupCommand({ logGroupName: group }));
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: group }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
