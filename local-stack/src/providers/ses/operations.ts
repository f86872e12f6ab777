/**
 * SES v2's operations over REST-JSON: SendEmail (Simple, Raw, inline Template) composes one RFC 5322
 * message and hands it to the mailbox; GetAccount and the email-identity operations are minimal.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseJsonBody, restJsonResponse } from '../../core/json-protocol';
import type { LocalStackLogger } from '../../core/logger';
import type { RestRoute } from '../../core/rest-routes';
import { AwsError, type AwsRequest } from '../../core/types';
import type { EmailIdentity, IdentityStore } from './model/identities';
import type { Mailbox } from './model/mailbox';
import { RESERVED_HEADERS, buildSimpleMessage, completeRawMessage, type SimpleMessage } from './model/mime';

/** What the operations work on. */
export interface SesModel {
  identities: IdentityStore;
  mailbox: Mailbox;
  logger: LocalStackLogger;
}

const contentSchema = z.object({ Data: z.string(), Charset: z.string().optional() });
const addressList = z.array(z.string()).optional();

const sendEmailSchema = z.object({
  FromEmailAddress: z.string().optional(),
  Destination: z
    .object({ ToAddresses: addressList, CcAddresses: addressList, BccAddresses: addressList })
    .optional(),
  ReplyToAddresses: addressList,
  Content: z.object({
    Simple: z
      .object({
        Subject: contentSchema,
        Body: z.object({ Text: contentSchema.optional(), Html: contentSchema.optional() }),
        Headers: z.array(z.object({ Name: z.string(), Value: z.string() })).optional(),
        Attachments: z
          .array(
            z.object({
              RawContent: z.string(),
              FileName: z.string(),
              ContentType: z.string().optional(),
              ContentDisposition: z.enum(['ATTACHMENT', 'INLINE']).optional(),
              ContentId: z.string().optional(),
              ContentDescription: z.string().optional(),
            }),
          )
          .optional(),
      })
      .optional(),
    Raw: z.object({ Data: z.string() }).optional(),
    Template: z
      .object({
        TemplateName: z.string().optional(),
        TemplateArn: z.string().optional(),
        TemplateData: z.string().optional(),
        TemplateContent: z
          .object({ Subject: z.string().optional(), Text: z.string().optional(), Html: z.string().optional() })
          .optional(),
      })
      .optional(),
  }),
});

type SendEmailInput = z.infer<typeof sendEmailSchema>;

function badRequest(message: string): AwsError {
  return new AwsError('BadRequestException', message, 400);
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw badRequest(z.prettifyError(parsed.error).replace(/\n/g, '; '));
  return parsed.data;
}

const ADDRESS = /^[^@\s<>]+@[^@\s<>]+$/;

function checkAddresses(addresses: readonly string[]): void {
  for (const address of addresses) {
    const mailbox = /<([^>]+)>\s*$/.exec(address)?.[1] ?? address.trim();
    if (!ADDRESS.test(mailbox)) throw badRequest(`Illegal address: ${address}`);
  }
}

function sesMessageId(now: Date): string {
  return `010001${now.getTime().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
}

function decodeBase64(data: string, field: string): Buffer {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(data)) throw badRequest(`${field} is not valid base64`);
  return Buffer.from(data, 'base64');
}

/** `{{name}}` substitution of SES inline templates (no sections or helpers). */
function renderTemplate(template: string, data: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_match, path: string) => {
    const value = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], data);
    return value === undefined || value === null ? '' : String(value);
  });
}

export const SES_ROUTES: ReadonlyArray<RestRoute<SesModel>> = [
  { operation: 'SendEmail', method: 'POST', path: /^\/v2\/email\/outbound-emails$/, handler: async (ses, request) => restJsonResponse(await sendEmail(ses, request)) },
  { operation: 'GetAccount', method: 'GET', path: /^\/v2\/email\/account$/, handler: (ses) => restJsonResponse(account(ses)) },
  // Older clients list with GET and query parameters, newer ones POST a JSON body.
  {
    operation: 'ListEmailIdentities',
    method: 'GET',
    path: /^\/v2\/email\/identities$/,
    handler: async (ses, request) => restJsonResponse(await listIdentities(ses, request.query.get('PageSize'), request.query.get('NextToken'))),
  },
  {
    operation: 'ListEmailIdentities',
    method: 'POST',
    path: /^\/v2\/email\/list-identities$/,
    handler: async (ses, request) => {
      const input = parseJsonBody(request);
      const text = (value: unknown): string | null => (value === undefined || value === null ? null : String(value));
      return restJsonResponse(await listIdentities(ses, text(input.PageSize), text(input.NextToken)));
    },
  },
  { operation: 'CreateEmailIdentity', method: 'POST', path: /^\/v2\/email\/identities$/, handler: async (ses, request) => restJsonResponse(await createIdentity(ses, request)) },
  {
    operation: 'GetEmailIdentity',
    method: 'GET',
    path: /^\/v2\/email\/identities\/([^/]+)$/,
    handler: async (ses, _request, identity) => restJsonResponse(identityDetails(await ses.identities.get(identity))),
  },
  {
    operation: 'DeleteEmailIdentity',
    method: 'DELETE',
    path: /^\/v2\/email\/identities\/([^/]+)$/,
    handler: async (ses, _request, identity) => {
      await ses.identities.delete(identity);
      return restJsonResponse({});
    },
  },
];

async function sendEmail(ses: SesModel, request: AwsRequest): Promise<{ MessageId: string }> {
  const input = parseInput(sendEmailSchema, parseJsonBody(request));
  const now = new Date();
  const messageId = sesMessageId(now);
  const message = composeMessage(input, messageId, now);
  const file = await ses.mailbox.deliver(messageId, message, now);
  ses.logger.info('email sent', { messageId, file });
  return { MessageId: messageId };
}

function composeMessage(input: SendEmailInput, messageId: string, date: Date): Buffer {
  const { Content: content } = input;
  const kinds = [content.Simple, content.Raw, content.Template].filter((kind) => kind !== undefined).length;
  if (kinds !== 1) throw badRequest('Content must contain exactly one of Simple, Raw or Template');
  const to = input.Destination?.ToAddresses ?? [];
  const cc = input.Destination?.CcAddresses ?? [];
  const bcc = input.Destination?.BccAddresses ?? [];
  const replyTo = input.ReplyToAddresses ?? [];
  checkAddresses([...to, ...cc, ...bcc, ...replyTo, ...(input.FromEmailAddress ? [input.FromEmailAddress] : [])]);

  if (content.Raw) {
    const raw = decodeBase64(content.Raw.Data, 'Content.Raw.Data');
    if (raw.length === 0) throw badRequest('Content.Raw.Data must not be empty');
    const completed = completeRawMessage(raw, { messageId, date, from: input.FromEmailAddress });
    if (!input.FromEmailAddress && !/^from:/im.test(completed.toString('latin1').split(/\r?\n\r?\n/, 1)[0] ?? '')) {
      throw badRequest('Missing From: either FromEmailAddress or a From header in the raw message is required');
    }
    return completed;
  }

  if (!input.FromEmailAddress) throw badRequest('FromEmailAddress is required when sending Simple or Template content');
  if (to.length + cc.length + bcc.length === 0) throw badRequest('Destination must contain at least one recipient');
  const base = { from: input.FromEmailAddress, to, cc, bcc, replyTo, messageId, date };

  if (content.Template) {
    const template = content.Template.TemplateContent;
    if (!template) {
      const name = content.Template.TemplateName ?? content.Template.TemplateArn ?? '';
      throw new AwsError('NotFoundException', `Template ${name} does not exist (the local stack supports inline TemplateContent only)`, 404);
    }
    let data: Record<string, unknown> = {};
    try {
      data = JSON.parse(content.Template.TemplateData ?? '{}') as Record<string, unknown>;
    } catch {
      throw badRequest('TemplateData is not valid JSON');
    }
    return buildSimpleMessage({
      ...base,
      subject: renderTemplate(template.Subject ?? '', data),
      text: template.Text === undefined ? undefined : renderTemplate(template.Text, data),
      html: template.Html === undefined ? undefined : renderTemplate(template.Html, data),
      headers: [],
      attachments: [],
    });
  }

  const simple = content.Simple;
  if (!simple) throw badRequest('Content must contain exactly one of Simple, Raw or Template');
  if (simple.Body.Text === undefined && simple.Body.Html === undefined) {
    throw badRequest('Content.Simple.Body must contain Text, Html or both');
  }
  const headers = (simple.Headers ?? []).map((header) => {
    if (RESERVED_HEADERS.has(header.Name.toLowerCase())) throw badRequest(`Header ${header.Name} may not be set in Headers`);
    if (!/^[!-9;-~]+$/.test(header.Name)) throw badRequest(`Invalid header name ${header.Name}`);
    return { name: header.Name, value: header.Value };
  });
  const message: SimpleMessage = {
    ...base,
    subject: simple.Subject.Data,
    text: simple.Body.Text?.Data,
    html: simple.Body.Html?.Data,
    headers,
    attachments: (simple.Attachments ?? []).map((attachment) => ({
      fileName: attachment.FileName,
      content: decodeBase64(attachment.RawContent, 'Attachments.RawContent'),
      contentType: attachment.ContentType,
      disposition: attachment.ContentDisposition,
      contentId: attachment.ContentId,
      description: attachment.ContentDescription,
    })),
  };
  return buildSimpleMessage(message);
}

function account(ses: SesModel): Record<string, unknown> {
  return {
    DedicatedIpAutoWarmupEnabled: false,
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: ses.mailbox.sentSince(Date.now() - 24 * 3600 * 1000) },
    SuppressionAttributes: { SuppressedReasons: [] },
  };
}

async function listIdentities(ses: SesModel, pageSizeParameter: string | null, nextToken: string | null): Promise<Record<string, unknown>> {
  const pageSize = Math.min(Math.max(Number(pageSizeParameter ?? 1000) || 1000, 1), 1000);
  const start = Number(nextToken ?? 0) || 0;
  const all = await ses.identities.list();
  const page = all.slice(start, start + pageSize);
  return {
    EmailIdentities: page.map((identity) => ({
      IdentityName: identity.name,
      IdentityType: identity.type,
      SendingEnabled: true,
      VerificationStatus: 'SUCCESS',
    })),
    ...(start + pageSize < all.length ? { NextToken: String(start + pageSize) } : {}),
  };
}

async function createIdentity(ses: SesModel, request: AwsRequest): Promise<Record<string, unknown>> {
  const input = parseInput(
    z.object({
      EmailIdentity: z.string().min(1),
      Tags: z.array(z.object({ Key: z.string(), Value: z.string() })).optional(),
    }),
    parseJsonBody(request),
  );
  const identity = await ses.identities.create(input.EmailIdentity, input.Tags ?? []);
  return { IdentityType: identity.type, VerifiedForSendingStatus: true, DkimAttributes: dkim() };
}

function identityDetails(identity: EmailIdentity): Record<string, unknown> {
  return {
    IdentityType: identity.type,
    FeedbackForwardingStatus: true,
    VerifiedForSendingStatus: true,
    VerificationStatus: 'SUCCESS',
    DkimAttributes: dkim(),
    MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    Policies: {},
    Tags: identity.tags,
  };
}

function dkim(): Record<string, unknown> {
  return { SigningEnabled: false, Status: 'NOT_STARTED', SigningAttributesOrigin: 'AWS_SES' };
}
