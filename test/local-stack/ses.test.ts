import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
  SendEmailCommand,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeQuotedPrintable } from '../../local-stack/src/providers/ses/model/mime';
import { clientsOf, useProviderStack } from '../support/stack';

/** Header fields of an RFC 5322 message: unfolded, RFC 2047 words decoded, names lower-cased. */
function parseHeaders(message: string): Map<string, string> {
  const [section = ''] = message.split('\r\n\r\n', 1);
  const headers = new Map<string, string>();
  for (const line of section.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    const value = line
      .slice(colon + 1)
      .trim()
      .replace(/\?=\s+=\?/g, '?==?')
      .replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_match, data: string) => Buffer.from(data, 'base64').toString('utf8'));
    headers.set(line.slice(0, colon).toLowerCase(), value);
  }
  return headers;
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => `%${hex}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/g, '%25'));
}

describe('SES v2 provider', () => {
  const stack = useProviderStack();
  const { ses } = clientsOf(stack);

  async function mailFor(messageId: string | undefined): Promise<string> {
    const files = await readdir(stack.mailDir);
    const file = files.find((name) => messageId !== undefined && name.endsWith(`-${messageId}.eml`));
    if (!file) throw new Error(`no .eml for ${messageId} among ${files.join(', ')}`);
    return readFile(join(stack.mailDir, file), 'latin1');
  }

  it('writes a multipart/alternative .eml for Simple content with text and HTML', async () => {
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'Pipeline Bot <pipeline@example.com>',
        Destination: { ToAddresses: ['ops@example.com', 'Ünïcode Person <u@example.com>'], CcAddresses: ['cc@example.com'], BccAddresses: ['audit@example.com'] },
        ReplyToAddresses: ['noreply@example.com'],
        Content: {
          Simple: {
            Subject: { Data: '[local] Model deployed: blazingtext-endpoint — accuracy 0.93 ✓' },
            Body: { Text: { Data: 'Accuracy: 0.93\nEndpoint: blazingtext-endpoint\nrésumé = ok' }, Html: { Data: '<p>Accuracy: <b>0.93</b></p>' } },
            Headers: [{ Name: 'X-Pipeline-Run', Value: 'run-42' }],
          },
        },
      }),
    );
    expect(MessageId).toMatch(/^[0-9a-f]+-[0-9a-f-]{36}-000000$/);
    const message = await mailFor(MessageId);
    expect(message).not.toMatch(/[^\r]\n/);
    const headers = parseHeaders(message);
    expect(headers.get('from')).toBe('Pipeline Bot <pipeline@example.com>');
    expect(headers.get('to')).toBe('ops@example.com, Ünïcode Person <u@example.com>');
    expect(headers.get('cc')).toBe('cc@example.com');
    expect(headers.get('bcc')).toBe('audit@example.com');
    expect(headers.get('reply-to')).toBe('noreply@example.com');
    expect(headers.get('subject')).toBe('[local] Model deployed: blazingtext-endpoint — accuracy 0.93 ✓');
    expect(message).toContain('Subject: [local] Model deployed: blazingtext-endpoint =?UTF-8?B?');
    expect(headers.get('message-id')).toBe(`<${MessageId}@email.amazonses.com>`);
    expect(headers.get('mime-version')).toBe('1.0');
    expect(headers.get('x-pipeline-run')).toBe('run-42');
    expect(Math.abs(Date.parse(headers.get('date') ?? '') - Date.now())).toBeLessThan(60_000);
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative; boundary="([^"]+)"$/);
    const boundary = /boundary="([^"]+)"/.exec(headers.get('content-type') ?? '')?.[1] as string;
    const parts = message.split(`--${boundary}`);
    expect(parts).toHaveLength(4);
    expect(parts[3]?.startsWith('--')).toBe(true);
    expect(parts[1]).toContain('Content-Type: text/plain; charset=UTF-8');
    expect(decodeQuotedPrintable((parts[1] as string).split('\r\n\r\n')[1]?.trim() ?? '')).toBe(
      'Accuracy: 0.93\r\nEndpoint: blazingtext-endpoint\r\nrésumé = ok',
    );
    expect(parts[2]).toContain('Content-Type: text/html; charset=UTF-8');
    expect(parts[2]).toContain('<p>Accuracy: <b>0.93</b></p>');
  });

  it('writes a single text part when there is no HTML, and attachments as multipart/mixed', async () => {
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'pipeline@example.com',
        Destination: { ToAddresses: ['ops@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Data rejected: incoming/bad.csv' },
            Body: { Text: { Data: 'line 3: missing label' } },
            Attachments: [{ FileName: 'errors.json', ContentType: 'application/json', RawContent: Buffer.from('{"line":3}') }],
          },
        },
      }),
    );
    const message = await mailFor(MessageId);
    expect(parseHeaders(message).get('content-type')).toMatch(/^multipart\/mixed;/);
    expect(message).toContain('Content-Type: text/plain; charset=UTF-8');
    expect(message).toContain('filename="errors.json"');
    expect(message).toContain(Buffer.from('{"line":3}').toString('base64'));
  });

  it('writes Raw content as given, adding Message-ID and Date when missing', async () => {
    const raw = 'From: raw@example.com\r\nTo: ops@example.com\r\nSubject: raw message\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nraw body\r\n';
    const { MessageId } = await ses.send(
      new SendEmailCommand({ Destination: { ToAddresses: ['ops@example.com'] }, Content: { Raw: { Data: Buffer.from(raw) } } }),
    );
    const message = await mailFor(MessageId);
    expect(message.endsWith(raw)).toBe(true);
    const headers = parseHeaders(message);
    expect(headers.get('message-id')).toBe(`<${MessageId}@email.amazonses.com>`);
    expect(headers.get('subject')).toBe('raw message');
    expect(headers.has('date')).toBe(true);
  });

  it('renders inline templates', async () => {
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'pipeline@example.com',
        Destination: { ToAddresses: ['ops@example.com'] },
        Content: {
          Template: {
            TemplateContent: { Subject: 'Pipeline failed: {{stage}}', Text: 'Run {{run.id}} failed' },
            TemplateData: JSON.stringify({ stage: 'training', run: { id: 'r-7' } }),
          },
        },
      }),
    );
    const message = await mailFor(MessageId);
    expect(parseHeaders(message).get('subject')).toBe('Pipeline failed: training');
    expect(message).toContain('Run r-7 failed');
  });

  it.each<[string, SendEmailCommandInput]>([
    ['no sender', { Destination: { ToAddresses: ['a@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }],
    ['no recipient', { FromEmailAddress: 'a@example.com', Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }],
    ['no body', { FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: {} } } }],
    ['no content', { FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Content: {} }],
    ['an invalid address', { FromEmailAddress: 'not-an-address', Destination: { ToAddresses: ['b@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }],
    ['a reserved header', { FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } }, Headers: [{ Name: 'From', Value: 'x@example.com' }] } } }],
  ])('answers BadRequestException for %s, writing nothing', async (_case, input) => {
    const before = (await readdir(stack.mailDir).catch(() => [])).length;
    await expect(ses.send(new SendEmailCommand(input))).rejects.toMatchObject({ name: 'BadRequestException', $metadata: { httpStatusCode: 400 } });
    expect((await readdir(stack.mailDir).catch(() => [])).length).toBe(before);
  });

  it('manages email identities and reports the account', async () => {
    await expect(ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'pipeline@example.com' }))).resolves.toMatchObject({
      IdentityType: 'EMAIL_ADDRESS',
      VerifiedForSendingStatus: true,
    });
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.org' }));
    await expect(ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.org' }))).rejects.toMatchObject({ name: 'AlreadyExistsException' });
    const listed = await ses.send(new ListEmailIdentitiesCommand({}));
    expect(listed.EmailIdentities?.map((identity) => [identity.IdentityName, identity.IdentityType])).toEqual([
      ['example.org', 'DOMAIN'],
      ['pipeline@example.com', 'EMAIL_ADDRESS'],
    ]);
    await expect(ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'pipeline@example.com' }))).resolves.toMatchObject({ VerifiedForSendingStatus: true });
    await ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'example.org' }));
    await expect(ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'example.org' }))).rejects.toMatchObject({ name: 'NotFoundException' });
    const account = await ses.send(new GetAccountCommand({}));
    expect(account).toMatchObject({ SendingEnabled: true, ProductionAccessEnabled: true });
    expect(account.SendQuota?.SentLast24Hours).toBeGreaterThan(0);
  });

  it('keeps identities across a restart', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'durable@example.com' }));
    await stack.restart();
    await expect(ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'durable@example.com' }))).resolves.toBeDefined();
  });
});

describe('quoted-printable encoding', () => {
  it('keeps lines within 76 characters and escapes what it must', () => {
    const encoded = encodeQuotedPrintable(`${'a'.repeat(100)}=é \n`);
    for (const line of encoded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(encoded).toContain('=3D=C3=A9=20');
    expect(decodeQuotedPrintable(encoded)).toBe(`${'a'.repeat(100)}=é \r\n`);
  });
});
