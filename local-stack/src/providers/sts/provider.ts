/** STS over the query protocol: GetCallerIdentity, AssumeRole, GetSessionToken. */
import { dispatchQueryProtocol, type QueryOperationHandler } from '../../core/query-protocol';
import { AwsError, type AwsRequest, type AwsResponse, type Provider } from '../../core/types';
import { el } from '../../core/xml';
import { assumeRole, callerIdentity, parseDuration, temporaryCredentials, type TemporaryCredentials } from './identity';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function credentialsXml(credentials: TemporaryCredentials) {
  return el('Credentials', [
    el('AccessKeyId', credentials.accessKeyId),
    el('SecretAccessKey', credentials.secretAccessKey),
    el('SessionToken', credentials.sessionToken),
    el('Expiration', credentials.expiration.toISOString()),
  ]);
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (!value) {
    throw new AwsError('ValidationError', `1 validation error detected: Value null at '${name[0]?.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`, 400);
  }
  return value;
}

const handlers: Record<string, QueryOperationHandler> = {
  GetCallerIdentity: (_params, request) => {
    const identity = callerIdentity(request.accountId);
    return [el('Arn', identity.arn), el('UserId', identity.userId), el('Account', identity.account)];
  },
  AssumeRole: (params) => {
    const role = assumeRole(
      required(params, 'RoleArn'),
      required(params, 'RoleSessionName'),
      parseDuration(params.get('DurationSeconds'), 3600),
    );
    return [
      credentialsXml(role.credentials),
      el('AssumedRoleUser', [el('AssumedRoleId', role.assumedRoleId), el('Arn', role.arn)]),
    ];
  },
  GetSessionToken: (params) => credentialsXml(temporaryCredentials(parseDuration(params.get('DurationSeconds'), 43_200))),
};

export class StsProvider implements Provider {
  readonly signingNames = ['sts'] as const;
  readonly protocol = 'query' as const;

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchQueryProtocol(request, { serviceName: 'STS', xmlns: STS_XMLNS, handlers });
  }
}
