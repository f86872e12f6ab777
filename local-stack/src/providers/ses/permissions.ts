/**
 * What each SES v2 operation needs in IAM (the service authorization reference, "Actions defined by
 * Amazon SES"): SendEmail is ses:SendEmail on the sending identity (`identity/<domain or address>`)
 * whatever its content (Simple, Raw or Template: SES v2 has no separate raw action; v1's SendRawEmail
 * is not served here); the identity operations on the identity they name; GetAccount and
 * ListEmailIdentities on `*`.
 */
import { arnOf } from '../../core/iam';
import type { RestInput } from '../../core/rest-routes';
import type { AwsRequestHead, OperationPermissions } from '../../core/types';

type SesPermissions = OperationPermissions<RestInput>;

function jsonBody(input: RestInput): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(input.request.body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {}; // its handler answers the malformed body
  }
}

/** The address of `From` in a raw message's header block. */
function rawFrom(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  const header = Buffer.from(data, 'base64').toString('latin1').split(/\r?\n\r?\n/, 1)[0] ?? '';
  return /^from:(.*)$/im.exec(header)?.[1]?.trim();
}

/**
 * The identity SES sends from: the one FromEmailAddressIdentityArn names (sending authorization), else
 * the domain of the From address. Decided: the local SES verifies no identities, so the identity is the
 * domain (what the pipeline's template grants, `identity/<senderIdentity>`), never the address alone.
 */
function sendingIdentity(body: Record<string, unknown>, request: AwsRequestHead): string {
  if (typeof body.FromEmailAddressIdentityArn === 'string' && body.FromEmailAddressIdentityArn !== '') return body.FromEmailAddressIdentityArn;
  const content = body.Content as { Raw?: { Data?: unknown } } | undefined;
  const from = typeof body.FromEmailAddress === 'string' ? body.FromEmailAddress : rawFrom(content?.Raw?.Data);
  const address = from === undefined ? undefined : (/<([^>]+)>\s*$/.exec(from)?.[1] ?? from).trim();
  const domain = address?.slice(address.lastIndexOf('@') + 1);
  return domain === undefined || domain === '' ? '*' : arnOf('ses', `identity/${domain}`, request);
}

const onIdentity = (action: string): SesPermissions => (input, request) => [{ action, resource: arnOf('ses', `identity/${input.parameter}`, request) }];

export const SES_PERMISSIONS: Readonly<Record<string, SesPermissions>> = {
  SendEmail: (input, request) => [{ action: 'ses:SendEmail', resource: sendingIdentity(jsonBody(input), request) }],
  GetAccount: () => [{ action: 'ses:GetAccount', resource: '*' }],
  ListEmailIdentities: () => [{ action: 'ses:ListEmailIdentities', resource: '*' }],
  CreateEmailIdentity: (input, request) => {
    const name = jsonBody(input).EmailIdentity;
    return [{ action: 'ses:CreateEmailIdentity', resource: typeof name === 'string' && name !== '' ? arnOf('ses', `identity/${name}`, request) : '*' }];
  },
  GetEmailIdentity: onIdentity('ses:GetEmailIdentity'),
  DeleteEmailIdentity: onIdentity('ses:DeleteEmailIdentity'),
};
