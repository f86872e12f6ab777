/**
 * Amazon SES v2 (REST-JSON, signing name `ses`): sent mail becomes one RFC 5322 `.eml` per message
 * in the mail directory (the stack's `mailDir`); sending identities are kept under `<stateDir>/ses/`.
 */
import { notImplemented } from '../../core/errors';
import { iamDetails, type Authorizer } from '../../core/iam';
import { silentLogger, type LocalStackLogger } from '../../core/logger';
import { declareOperations } from '../../core/operations';
import { dispatchRestRoute, routesByOperation } from '../../core/rest-routes';
import type { AwsRequest, AwsResponse, Provider } from '../../core/types';
import { IdentityStore } from './model/identities';
import { Mailbox } from './model/mailbox';
import { SES_ROUTES, type SesModel } from './operations';
import { SES_PERMISSIONS } from './permissions';

export interface SesProviderOptions {
  stateDir: string;
  /** Where `.eml` files are written (the stack's `mailDir`). */
  mailDir: string;
  logger?: LocalStackLogger;
  /** IAM: role sessions' requests are checked against their roles (core/iam). */
  authorizer?: Authorizer;
}

export class SesProvider implements Provider {
  readonly signingNames = ['ses'] as const;
  readonly operations = declareOperations(routesByOperation(SES_ROUTES), { protocols: ['rest-json'] }, iamDetails(SES_PERMISSIONS));
  private readonly model: SesModel;
  private readonly authorizer?: Authorizer;

  constructor(options: SesProviderOptions) {
    this.authorizer = options.authorizer;
    this.model = { identities: new IdentityStore(options.stateDir), mailbox: new Mailbox(options.mailDir), logger: options.logger ?? silentLogger };
  }

  async start(): Promise<void> {
    await this.model.mailbox.removeTornDeliveries();
  }

  async handle(request: AwsRequest): Promise<AwsResponse> {
    const { method, path } = request;
    if (!path.startsWith('/v2/email/')) {
      const action = request.query.get('Action') ?? new URLSearchParams(request.body.toString('utf8')).get('Action');
      throw notImplemented('SES (v1)', action ?? `${method} ${path}`, action ? 'query' : 'rest-json');
    }
    return dispatchRestRoute(SES_ROUTES, this.model, request, 'SES v2', { authorizer: this.authorizer, service: 'ses', operations: this.operations });
  }
}
