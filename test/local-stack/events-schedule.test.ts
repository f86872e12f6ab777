/**
 * EventBridge schedule rules (issue 18, item 4): rate and cron rules fire `Scheduled Event`s on their
 * targets at the times they name, in UTC, when the stack's schedule clock reaches them. The tests never
 * wait real time: they move the clock forward (the scheduler's `advance`, or `POST /_local/events-clock`),
 * and wait, with a bound, for the deliveries that follow. Invalid expressions are refused with
 * EventBridge's message; a schedule rule in a template fires like one put through the API.
 */
import { CreateEventBusCommand, DisableRuleCommand, EnableRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import { ACCOUNT_ID } from '../../local-stack/src/core/types';
import { rawRequest } from '../support/http';
import { eventBridgeQueuePolicy, REGION, useProviderStack } from '../support/stack';
import { waitFor } from '../support/wait';

const MINUTE = 60_000;

interface ScheduledEvent {
  'detail-type': string;
  source: string;
  account: string;
  region: string;
  time: string;
  resources: string[];
  detail: Record<string, unknown>;
}

describe('EventBridge schedule rules', () => {
  const stack = useProviderStack({ per: 'test' });
  const scheduler = () => stack.events.service.scheduler;
  const clock = () => stack.events.service.clock;

  async function queue(name: string) {
    const { QueueUrl } = await stack.client.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await stack.client.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await stack.client.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: eventBridgeQueuePolicy(Attributes!.QueueArn!) } }));
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  }

  async function scheduledRule(name: string, expression: string, queueArn: string): Promise<string> {
    const { RuleArn } = await stack.client.events.send(new PutRuleCommand({ Name: name, ScheduleExpression: expression }));
    await stack.client.events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'queue', Arn: queueArn }] }));
    return RuleArn!;
  }

  /** Waits, with a bound, until the queue has received `count` events, then checks that no more follow the deliveries under way. */
  async function received(queueUrl: string, count: number): Promise<ScheduledEvent[]> {
    const messages: Message[] = [];
    await waitFor(`${count} scheduled events on ${queueUrl}`, async () => {
      const { Messages } = await stack.client.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      messages.push(...(Messages ?? []));
      return messages.length >= count;
    }, 10_000);
    await waitFor('the deliveries to end', () => stack.events.pendingDeliveries === 0, 10_000);
    const { Messages: more } = await stack.client.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    return [...messages, ...(more ?? [])].map((message) => JSON.parse(message.Body!) as ScheduledEvent);
  }

  it('fires a rate rule one period after it was put, then every period, with AWS’s Scheduled Event', async () => {
    const target = await queue('every-five-minutes');
    const ruleArn = await scheduledRule('every-five-minutes', 'rate(5 minutes)', target.arn);
    const putAt = stack.events.rules.rule('every-five-minutes').scheduleSince!;
    expect(ruleArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/every-five-minutes`);

    expect(scheduler().advance(4 * MINUTE).fired).toEqual({});
    expect(scheduler().advance(11 * MINUTE).fired).toEqual({ 'every-five-minutes': 3 });
    const events = await received(target.url, 3);
    expect(events.map((event) => Date.parse(event.time))).toEqual([5, 10, 15].map((minutes) => Math.floor((putAt + minutes * MINUTE) / 1000) * 1000));
    expect(events[0]).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT_ID,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: REGION,
      resources: [ruleArn],
      detail: {},
    });
  });

  it('keeps a rate rule’s start across a restart', async () => {
    const target = await queue('survives');
    await scheduledRule('survives', 'rate(10 minutes)', target.arn);
    const putAt = stack.events.rules.rule('survives').scheduleSince!;
    await stack.restart();
    expect(Date.parse(scheduler().nextOccurrences().survives!)).toBe(putAt + 10 * MINUTE);
    expect(scheduler().advance(putAt + 10 * MINUTE - clock().now()).fired).toEqual({ survives: 1 });
    const [event] = await received(target.url, 1);
    expect(Date.parse(event!.time)).toBe(Math.floor((putAt + 10 * MINUTE) / 1000) * 1000);
  });

  it('fires a cron rule at the UTC minutes it names, not while disabled, and again once enabled', async () => {
    const target = await queue('weekly');
    await scheduledRule('weekly', 'cron(0 3 ? * MON *)', target.arn);
    const next = Date.parse(scheduler().nextOccurrences().weekly!);
    const date = new Date(next);
    expect([date.getUTCDay(), date.getUTCHours(), date.getUTCMinutes()]).toEqual([1, 3, 0]);

    await stack.client.events.send(new DisableRuleCommand({ Name: 'weekly' }));
    expect(scheduler().advance(next - clock().now() + MINUTE).fired).toEqual({});
    await stack.client.events.send(new EnableRuleCommand({ Name: 'weekly' }));
    expect(scheduler().advance(7 * 24 * 60 * MINUTE).fired).toEqual({ weekly: 1 });
    const [event] = await received(target.url, 1);
    expect(Date.parse(event!.time)).toBe(next + 7 * 24 * 60 * MINUTE);
  });

  it('refuses invalid expressions with EventBridge’s message, and a schedule on another bus', async () => {
    for (const expression of ['rate(1 minutes)', 'rate(0 minutes)', 'cron(0 10 * * * *)', 'cron(0 24 * * ? *)', 'every day']) {
      await expect(stack.client.events.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: expression }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Parameter ScheduleExpression is not valid.',
      });
    }
    expect(() => stack.events.rules.rule('bad')).toThrow(/does not exist/);
    await stack.client.events.send(new CreateEventBusCommand({ Name: 'custom' }));
    await expect(stack.client.events.send(new PutRuleCommand({ Name: 'elsewhere', EventBusName: 'custom', ScheduleExpression: 'rate(1 day)' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'ScheduleExpression is supported only on the default event bus.',
    });
  });

  it('moves the clock through POST /_local/events-clock, and refuses an advance that would fire too many events', async () => {
    const target = await queue('hourly');
    await scheduledRule('hourly', 'rate(1 hour)', target.arn);
    const post = (body: unknown) => rawRequest(stack.url, { method: 'POST', path: '/_local/events-clock', body: JSON.stringify(body), sign: 'local' });

    const moved = await post({ hours: 3 });
    expect(moved.status).toBe(200);
    const answer = JSON.parse(moved.body.toString()) as { now: string; fired: Record<string, number>; next: Record<string, string> };
    expect(answer.fired).toEqual({ hourly: 3 });
    expect(Date.parse(answer.next.hourly!)).toBeGreaterThan(Date.parse(answer.now));
    expect(await received(target.url, 3)).toHaveLength(3);

    const tooFar = await post({ days: 500 });
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.toString()).toMatch(/would fire more than 10000 scheduled events: advance in smaller steps/);
    expect((await post({ to: '2000-01-01T00:00:00Z' })).status).toBe(400);
    expect((await post({ weeks: 1 })).status).toBe(400);
  });

  it('runs the schedule of an AWS::Events::Rule in a template, as serverless.yml `schedule:` events make them', async () => {
    const target = await queue('templated');
    const engine = stack.providers.cloudformation.engine;
    const template = JSON.stringify({
      Resources: {
        Nightly: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'cron(30 2 * * ? *)', State: 'ENABLED', Targets: [{ Id: 'queue', Arn: target.arn, Input: '{"reason":"schedule"}' }] } },
      },
    });
    const { StackId } = await engine.createStack({ StackName: 'scheduled', TemplateBody: template });
    const created = await engine.settled(StackId);
    expect([created.StackStatus, created.events.find((event) => event.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason]).toEqual(['CREATE_COMPLETE', undefined]);
    const ruleName = created.resources.Nightly!.physicalId;
    expect(scheduler().advance(25 * 60 * MINUTE).fired).toEqual({ [ruleName]: 1 });
    expect(await received(target.url, 1)).toEqual([{ reason: 'schedule' }]);

    const refused = await engine.settled((await engine.createStack({ StackName: 'bad-schedule', TemplateBody: template.replace('cron(30 2 * * ? *)', 'rate(1 days)') })).StackId);
    expect(refused.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(refused.events.find((event) => event.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toMatch(/Parameter ScheduleExpression is not valid\./);
  });
});
