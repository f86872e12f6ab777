/**
 * Issue 19 (EventBridge): the local stack answers as EventBridge answers, through the AWS SDK v3.
 *
 * Where AWS's answers come from:
 * - Invalid patterns: real AWS responses recorded in LocalStack's snapshot tests
 *   (tests/aws/services/events/test_events_patterns.snapshot.json, "MessageRaw": the message AWS sent,
 *   with Jackson's parser location), produced by aws/event-ruler's JsonRuleCompiler, which EventBridge runs.
 *   The patterns are sent as LocalStack sent them (Python's json.dumps spacing), so the columns are AWS's.
 * - TestEventPattern's Event, PutTargets, PutEvents to a missing bus, ListEventBuses, the input
 *   transformer's strings: the same recorded snapshots (test_events_patterns, test_events,
 *   test_events_inputs); field constraints from botocore's model (events 2015-10-07 service-2.json).
 * - FIFO queue targets: the EventBridge API reference (Target.SqsParameters: "the message group ID to use
 *   when the target is a FIFO queue"; the queue must have content-based deduplication) and AWS's refusal
 *   of a FIFO target without it as users quoted it (hashicorp/terraform#20263, awslabs/aws-ddk#183:
 *   "ValidationException: Parameter(s) SqsParameters must be specified for target: <id>").
 */
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  ListEventBusesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { REGION, useProviderStack } from '../support/stack';
import { waitFor } from '../support/wait';

/** A valid event for TestEventPattern (the fields it requires). */
const EVENT = { id: '1', source: 'test-source', 'detail-type': 'test-detail-type', account: '123456789012', region: 'us-east-2', time: '2022-07-13T13:48:01Z' };

describe('EventBridge answers as AWS answers', () => {
  const wired = useProviderStack();

  const location = (pattern: string, column: number) => `\n at [Source: (String)"${pattern}"; line: 1, column: ${column}]`;

  // [recorded case, pattern text as sent, AWS's whole message]
  const refused: Array<[string, string, string]> = [
    ['int_nolist_EXC', '{"int": 42}', `"int" must be an object or an array${location('{"int": 42}', 11)}`],
    ['arrays_empty_EXC', '{"resources": []}', `Empty arrays are not allowed${location('{"resources": []}', 17)}`],
    ['operator_case_sensitive_EXC', '{"my_key": [{"EXISTS": true}]}', `Unrecognized match type EXISTS${location('{"my_key": [{"EXISTS": true}]}', 28)}`],
    ['content_numeric_EXC', '{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}', `Bad numeric range operator: >${location('{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}', 49)}`],
    ['content_numeric_syntax_EXC', '{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', `Value of < must be numeric${location('{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', 50)}`],
    [
      'content_wildcard_repeating_star_EXC',
      '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}',
      `Consecutive wildcard characters at pos 26${location('{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}', 72)}`,
    ],
    [
      'content_wildcard_complex_EXC',
      '{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}',
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
    ],
    ['content_ip_address_EXC', '{"detail": {"sourceIPAddress": [{"cidr": "bad-filter"}]}}', "Malformed CIDR, one '/' required"],
    ['content_ip_address_bad_mask_EXC', '{"detail": {"sourceIPAddress": [{"cidr": "bad-/64filter"}]}}', 'Malformed CIDR, mask bits must be an integer'],
    ['content_ip_address_type_EXC', '{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}', `prefix match pattern must be a string${location('{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}', 43)}`],
    ['content_anything_prefix_empty_EXC', '{"detail": {"FileName": [{"anything-but": {"prefix": ""}}]}}', `Null prefix/suffix not allowed${location('{"detail": {"FileName": [{"anything-but": {"prefix": ""}}]}}', 56)}`],
    [
      'content_anything_prefix_ignorecase_EXC',
      '{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
      `Value of anything-but must be an array or single string/number value.${location('{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}', 55)}`,
    ],
    [
      'content_anything_but_ignorecase_EXC',
      '{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}',
      `Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.${location('{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}', 66)}`,
    ],
    [
      // Inside an anything-but list AWS reports the location twice (event-ruler re-throws with it).
      'content_anything_but_string_list_null_type_EXC',
      '{"detail": {"state": [{"anything-but": ["stopped", null]}]}}',
      `Inside anything but list, start|null|boolean is not supported.${location('{"detail": {"state": [{"anything-but": ["stopped", null]}]}}', 56).repeat(2)}`,
    ],
    [
      'content_anything_suffix_list_type_EXC',
      '{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}',
      `prefix/suffix match pattern must be a string${location('{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}', 58).repeat(2)}`,
    ],
    ['content_ignorecase_list_EXC', '{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}', `equals-ignore-case match pattern must be a string${location('{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}', 42)}`],
    [
      'invalid JSON',
      'this is valid json but not a dict',
      `Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')${location('this is valid json but not a dict', 5)}`,
    ],
    ['single quotes', "{'bad': 'quotation'}", `Unexpected character (''' (code 39)): was expecting double-quote to start field name${location("{'bad': 'quotation'}", 2)}`],
    ['not an object', '["not", "a", "dict", "but valid json"]', `Filter is not an object${location('["not", "a", "dict", "but valid json"]', 2)}`],
  ];

  it.each(refused)('PutRule and TestEventPattern refuse %s with AWS’s reason, word for word', async (_case, pattern, reason) => {
    const expected = { name: 'InvalidEventPatternException', message: `Event pattern is not valid. Reason: ${reason}`, $metadata: { httpStatusCode: 400 } };
    await expect(wired.client.events.send(new PutRuleCommand({ Name: 'refused', EventPattern: pattern }))).rejects.toMatchObject(expected);
    await expect(wired.client.events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: JSON.stringify(EVENT) }))).rejects.toMatchObject(expected);
  });

  it('accepts the wildcards and anything-but forms of AWS’s examples', async () => {
    for (const pattern of [
      { FilePath: [{ wildcard: '*/dir/*' }] },
      { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] },
      { state: [{ 'anything-but': { prefix: ['a', 'b'] } }] },
      { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
      // Many wildcards whose prefixes differ stay simple: an input is inside one prefix at a time.
      { key: Array.from({ length: 40 }, (_, index) => ({ wildcard: `prefix-${index}-*` })) },
    ]) {
      await expect(wired.client.events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(EVENT) }))).resolves.toMatchObject({ Result: false });
    }
  });

  it('matches a key with dots in the pattern or in the event as the nested path (recorded: test_event_with_large_and_complex_payload)', async () => {
    const test = async (pattern: unknown, event: Record<string, unknown>) =>
      (await wired.client.events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify({ ...EVENT, ...event }) }))).Result;
    const nested = { detail: { payload: { nested: { 'another-level': { deep: [{ 'inside-list': 'q-test-value' }] } } } } };
    expect(await test({ detail: { 'payload.nested.another-level.deep': { 'inside-list': [{ prefix: 'q-test' }] } } }, nested)).toBe(true);
    expect(await test({ detail: { payload: { nested: { 'another-level': { deep: { 'inside-list': [{ prefix: 'q-test' }] } } } } } }, nested)).toBe(true);
    expect(await test({ detail: { state: ['running'] } }, { 'detail.state': 'running' })).toBe(true);
    expect(await test({ 'detail.state': ['running'] }, { detail: { 'state.x': 'running' } })).toBe(false);
  });

  it('TestEventPattern validates its Event: an object with id, account, source, time, region and detail-type', async () => {
    const pattern = JSON.stringify({ body: { test2: [{ numeric: ['>', 100] }] } });
    for (const event of ['plain string', JSON.stringify(['plain string']), JSON.stringify({ testEvent: 'value' }), JSON.stringify({ ...EVENT, id: undefined })]) {
      await expect(wired.client.events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: event }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Parameter Event is not valid.',
      });
    }
    // resources is not required (recorded: test_event_pattern_source sends none).
    await expect(wired.client.events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ source: ['test-source'] }), Event: JSON.stringify(EVENT) }))).resolves.toMatchObject({ Result: true });
  });

  it('PutRule and CreateEventBus check botocore’s constraints with AWS’s validation message (its form recorded: test_create_connection_validations)', async () => {
    await expect(wired.client.events.send(new PutRuleCommand({ Name: 'bad name!', EventPattern: JSON.stringify({ source: ['x'] }), State: 'ON' as 'ENABLED' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        "2 validation errors detected: Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+; Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]",
    });
    await expect(wired.client.events.send(new CreateEventBusCommand({ Name: 'bus name' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "1 validation error detected: Value 'bus name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+",
    });
  });

  describe('PutTargets', () => {
    const queueArn = `arn:aws:sqs:${REGION}:000000000000:answers`;

    beforeAll(async () => {
      await wired.client.events.send(new PutRuleCommand({ Name: 'answers', EventPattern: JSON.stringify({ source: ['answers'] }) }));
    });

    it('refuses a bad target id for the whole request with the constraint AWS names (recorded: test_put_target_id_validation)', async () => {
      await expect(wired.client.events.send(new PutTargetsCommand({ Rule: 'answers', Targets: [{ Id: '!@#$@!#$', Arn: queueArn }] }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: "1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
      });
      const long = 'second-invalid-target-id'.repeat(3);
      await expect(wired.client.events.send(new PutTargetsCommand({ Rule: 'answers', Targets: [{ Id: 'fine', Arn: queueArn }, { Id: long, Arn: queueArn }] }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: `1 validation error detected: Value '${long}' at 'targets.2.member.id' failed to satisfy constraint: Member must have length less than or equal to 64`,
      });
      // Nothing of a refused request is kept.
      expect((await wired.client.events.send(new ListTargetsByRuleCommand({ Rule: 'answers' }))).Targets).toEqual([]);
    });

    it('refuses more than one of Input, InputPath and InputTransformer (recorded: test_put_event_input_path_and_input_transformer)', async () => {
      await expect(
        wired.client.events.send(
          new PutTargetsCommand({ Rule: 'answers', Targets: [{ Id: 'both', Arn: queueArn, InputPath: '$.detail', InputTransformer: { InputPathsMap: {}, InputTemplate: '"x"' } }] }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException', message: 'Only one of Input, InputPath, or InputTransformer must be provided for target both.' });
    });

    it('refuses an InputTemplate placeholder InputPathsMap does not define (recorded: test_put_events_with_input_transformer_missing_keys)', async () => {
      const transformer = { InputPathsMap: { userId: '$.detail.id' }, InputTemplate: '{"id": <userId>, "missing": <notdefinedkey>}' };
      await expect(wired.client.events.send(new PutTargetsCommand({ Rule: 'answers', Targets: [{ Id: 'tpl', Arn: queueArn, InputTransformer: transformer }] }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'InputTemplate for target tpl contains invalid placeholder notdefinedkey.',
      });
      // The predefined variables are defined.
      const predefined = { InputTemplate: '"<aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"' };
      await expect(wired.client.events.send(new PutTargetsCommand({ Rule: 'answers', Targets: [{ Id: 'predefined', Arn: queueArn, InputTransformer: predefined }] }))).resolves.toMatchObject({
        FailedEntryCount: 0,
      });
    });

    it('allows five targets per rule, then LimitExceededException (recorded: test_add_exceed_fife_targets_per_rule)', async () => {
      await wired.client.events.send(new PutRuleCommand({ Name: 'five', EventPattern: JSON.stringify({ source: ['five'] }) }));
      const targets = Array.from({ length: 6 }, (_, index) => ({ Id: `t${index}`, Arn: queueArn }));
      await wired.client.events.send(new PutTargetsCommand({ Rule: 'five', Targets: targets.slice(0, 5) }));
      await expect(wired.client.events.send(new PutTargetsCommand({ Rule: 'five', Targets: targets.slice(5) }))).rejects.toMatchObject({
        name: 'LimitExceededException',
        message: 'The requested resource exceeds the maximum number allowed.',
      });
    });
  });

  it('a FIFO queue target needs SqsParameters.MessageGroupId; its events arrive in that group, each once (API reference: Target.SqsParameters)', async () => {
    const { QueueUrl } = await wired.client.sqs.send(new CreateQueueCommand({ QueueName: 'answers-orders.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
    const { Attributes } = await wired.client.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const Arn = Attributes!.QueueArn!;
    await wired.client.events.send(new PutRuleCommand({ Name: 'to-fifo', EventPattern: JSON.stringify({ source: ['orders'] }) }));
    await expect(wired.client.events.send(new PutTargetsCommand({ Rule: 'to-fifo', Targets: [{ Id: 'fifo', Arn }] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Parameter(s) SqsParameters must be specified for target: fifo.',
    });
    await expect(wired.client.events.send(new PutTargetsCommand({ Rule: 'to-fifo', Targets: [{ Id: 'fifo', Arn, SqsParameters: { MessageGroupId: 'x'.repeat(101) } }] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `1 validation error detected: Value '${'x'.repeat(101)}' at 'targets.1.member.sqsParameters.messageGroupId' failed to satisfy constraint: Member must have length less than or equal to 100`,
    });
    // EventBridge's dead-letter queues are standard queues: AWS's words as CloudTrail recorded a PutTargets
    // (dev.classmethod.jp, "Can a FIFO queue be the dead-letter queue of an EventBridge rule?").
    await expect(
      wired.client.events.send(new PutTargetsCommand({ Rule: 'to-fifo', Targets: [{ Id: 'fifo', Arn, SqsParameters: { MessageGroupId: 'orders' }, DeadLetterConfig: { Arn } }] })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'SQS FIFO is not supported by Dead Letter Queues.' });
    expect((await wired.client.events.send(new ListTargetsByRuleCommand({ Rule: 'to-fifo' }))).Targets).toEqual([]);

    await wired.client.events.send(new PutTargetsCommand({ Rule: 'to-fifo', Targets: [{ Id: 'fifo', Arn, SqsParameters: { MessageGroupId: 'orders' } }] }));
    expect((await wired.client.events.send(new ListTargetsByRuleCommand({ Rule: 'to-fifo' }))).Targets).toEqual([{ Id: 'fifo', Arn, SqsParameters: { MessageGroupId: 'orders' } }]);
    const sent = await wired.client.events.send(
      new PutEventsCommand({ Entries: [1, 2, 3].map((n) => ({ Source: 'orders', DetailType: 'order', Detail: JSON.stringify({ n }) })) }),
    );
    expect(sent.FailedEntryCount).toBe(0);
    const received: Array<{ n: number; group: string | undefined }> = [];
    await waitFor(
      () => `three events on the FIFO queue (have ${received.length})`,
      async () => {
        const { Messages = [] } = await wired.client.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId'], WaitTimeSeconds: 1 }));
        for (const message of Messages) {
          received.push({ n: (JSON.parse(message.Body!) as { detail: { n: number } }).detail.n, group: message.Attributes?.MessageGroupId });
          await wired.client.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle! }));
        }
        return received.length >= 3;
      },
      10_000,
    );
    expect(received.map((message) => message.n).sort()).toEqual([1, 2, 3]);
    expect(received.every((message) => message.group === 'orders')).toBe(true);
  });

  it('PutEvents to a bus that does not exist answers an EventId and drops the event (recorded: test_put_events_nonexistent_event_bus)', async () => {
    const result = await wired.client.events.send(
      new PutEventsCommand({ Entries: [{ Source: 'MySource', DetailType: 'CustomType', Detail: '{}', EventBusName: 'no-such-bus' }] }),
    );
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(wired.client.events.send(new DescribeEventBusCommand({ Name: 'no-such-bus' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Event bus no-such-bus does not exist.',
    });
  });

  it('ListEventBuses and DescribeEventBus answer Name, Arn, CreationTime and LastModifiedTime, Description only when set', async () => {
    const before = Date.now() - 1000;
    await wired.client.events.send(new CreateEventBusCommand({ Name: 'answers-bus' }));
    await wired.client.events.send(new CreateEventBusCommand({ Name: 'answers-described', Description: 'for tests' }));
    const { EventBuses } = await wired.client.events.send(new ListEventBusesCommand({ NamePrefix: 'answers-' }));
    expect(EventBuses?.map((bus) => Object.keys(bus).sort())).toEqual([
      ['Arn', 'CreationTime', 'LastModifiedTime', 'Name'],
      ['Arn', 'CreationTime', 'Description', 'LastModifiedTime', 'Name'],
    ]);
    expect(EventBuses?.[0]).toMatchObject({ Name: 'answers-bus', Arn: `arn:aws:events:${REGION}:000000000000:event-bus/answers-bus` });
    expect(EventBuses?.[0]?.CreationTime?.getTime()).toBeGreaterThan(before);
    const limited = await wired.client.events.send(new ListEventBusesCommand({ NamePrefix: 'answers-', Limit: 1 }));
    expect(limited.EventBuses).toHaveLength(1);
    expect(limited.NextToken).toBeDefined();
    const described = await wired.client.events.send(new DescribeEventBusCommand({ Name: 'default' }));
    expect(described).toMatchObject({ Name: 'default', Arn: `arn:aws:events:${REGION}:000000000000:event-bus/default` });
    expect(described.CreationTime).toBeInstanceOf(Date);
  });

  it('an input-transformer path that matches nothing is "" inside a string; objects and lists lose their quotes (recorded: test_input_transformer_nested_keys_replacement)', async () => {
    const { QueueUrl } = await wired.client.sqs.send(new CreateQueueCommand({ QueueName: 'answers-transformed' }));
    const { Attributes } = await wired.client.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await wired.client.events.send(new PutRuleCommand({ Name: 'transformed', EventPattern: JSON.stringify({ source: ['transformed'] }) }));
    const InputTransformer = {
      InputPathsMap: { missing: '$.detail.nothing', payload: '$.detail.payload', list: '$.detail.list' },
      InputTemplate: '"<missing> system account id, <payload> payload, <list> items"',
    };
    await wired.client.events.send(new PutTargetsCommand({ Rule: 'transformed', Targets: [{ Id: 'q', Arn: Attributes!.QueueArn!, InputTransformer }] }));
    await wired.client.events.send(
      new PutEventsCommand({ Entries: [{ Source: 'transformed', DetailType: 'x', Detail: JSON.stringify({ payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' }, list: ['ACTIVE', 'INACTIVE'] }) }] }),
    );
    let body: string | undefined;
    const deadline = Date.now() + 10_000;
    while (body === undefined && Date.now() < deadline) {
      const { Messages } = await wired.client.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      body = Messages?.[0]?.Body;
    }
    expect(body).toBe('" system account id, {acc_id:0a787ecb-4015,sf_id:baz} payload, [ACTIVE,INACTIVE] items"');
  });
});
