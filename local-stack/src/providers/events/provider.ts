/**
 * The EventBridge provider (signing name `events`, AWSEvents JSON 1.1): dispatches the API to
 * `EVENTS_OPERATIONS` over the model (`EventsService`), and is, through the model, the
 * `EventPublisher` of S3, Glue and SageMaker and the event bus of Lambda destinations.
 */
import { iamDetails, type Authorizer } from '../../core/iam';
import { dispatchJsonProtocol } from '../../core/json-protocol';
import { bindOperations, declareOperations } from '../../core/operations';
import type { AwsProtocol, AwsRequest, AwsResponse, EventPublisher, Provider } from '../../core/types';
import { EventsService, type EventsServiceOptions, type PutEventsResult } from './model/service';
import type { PutEventsEntry } from './model/put-events';
import type { FailedTargetEntry, PutRuleInput, RuleStore } from './model/rule-store';
import type { Target } from './model/types';
import { EVENTS_OPERATIONS } from './operations';
import { EVENTS_PERMISSIONS } from './permissions';

const EVENTS_TARGET_PREFIX = 'AWSEvents';

export type EventsProviderOptions = EventsServiceOptions & { authorizer?: Authorizer };
export type { PutEventsResult };

export class EventsProvider implements Provider, EventPublisher {
  readonly signingNames = ['events'] as const;
  readonly protocol: AwsProtocol = 'json';
  readonly operations = declareOperations(
    EVENTS_OPERATIONS,
    { protocols: ['json'], jsonTargetPrefix: EVENTS_TARGET_PREFIX },
    iamDetails(EVENTS_PERMISSIONS),
  );
  readonly service: EventsService;
  private readonly handlers;
  private readonly authorizer?: Authorizer;

  constructor(options: EventsProviderOptions) {
    this.service = new EventsService(options);
    this.handlers = bindOperations(EVENTS_OPERATIONS, this.service);
    this.authorizer = options.authorizer;
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchJsonProtocol(request, {
      targetPrefix: EVENTS_TARGET_PREFIX,
      serviceName: 'EventBridge',
      handlers: this.handlers,
      jsonVersion: '1.1',
      authorization: { authorizer: this.authorizer, service: 'events', operations: this.operations },
    });
  }

  async start(): Promise<void> {
    this.service.start();
  }

  async stop(): Promise<void> {
    this.service.stop();
  }

  // ---------------------------------------------------------------------------------------------
  // In-process API (the stack's wiring, the deployer, tests): the model's

  get rules(): RuleStore {
    return this.service.rules;
  }

  /** Deliveries waiting, retrying or in progress. */
  get pendingDeliveries(): number {
    return this.service.pendingDeliveries;
  }

  publish(event: Parameters<EventPublisher['publish']>[0]): Promise<void> {
    return this.service.publish(event);
  }

  putEvent(...event: Parameters<EventsService['putEvent']>): Promise<void> {
    return this.service.putEvent(...event);
  }

  putEvents(entries: PutEventsEntry[]): PutEventsResult {
    return this.service.putEvents(entries);
  }

  putRule(input: PutRuleInput): { ruleArn: string } {
    return this.service.putRule(input);
  }

  putTargets(ruleName: string, targets: Target[], eventBusName?: string): FailedTargetEntry[] {
    return this.service.putTargets(ruleName, targets, eventBusName);
  }

  /** For deployers: makes the rule's targets exactly these. */
  setTargets(ruleName: string, targets: Target[], eventBusName?: string): FailedTargetEntry[] {
    return this.service.setTargets(ruleName, targets, eventBusName);
  }

  deleteRule(ruleName: string, eventBusName?: string): void {
    this.service.deleteRule(ruleName, eventBusName);
  }
}
