import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../../console/server/signing-proxy';
import { Authenticator, type RequestToAuthenticate } from './authentication';
import { accountRoot, CredentialStore, parseLocalKeys } from './credentials';
import { sha256Hex } from './sigv4';
import { AwsError, type AwsProtocol } from './types';

const NOW = Date.parse('2026-12-07T12:00:00Z');

/** Signs with the SDK's own signer (smithy), and turns the result into what the server would receive. */
async function signedBySdk(options: {
  service: string;
  path: string;
  query?: Record<string, string>;
  body?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  headers?: Record<string, string>;
  at?: number;
}): Promise<RequestToAuthenticate & { body: string }> {
  const signer = new SignatureV4({ service: options.service, region: 'us-east-1', credentials: options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' }, sha256: NodeSha256, uriEscapePath: options.service !== 's3', applyChecksum: options.service === 's3' });
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: options.path, query: options.query ?? {}, headers: { host: '127.0.0.1:4566', ...options.headers }, body: options.body ?? '' },
    { signingDate: new Date(options.at ?? NOW) },
  );
  const rawQuery = Object.entries(options.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: 'POST', rawPath: options.path, rawQuery, query: new URLSearchParams(rawQuery), headers, rawHeaders: Object.entries(headers).flat(), protocol: 'json', body: options.body ?? '' };
}

function refusal(run: () => unknown): { code: string; status: number } {
  try {
    run();
  } catch (error) {
    if (error instanceof AwsError) return { code: error.code, status: error.status };
    throw error;
  }
  throw new Error('not refused');
}

function verify(authenticator: Authenticator, request: RequestToAuthenticate & { body: string }, protocol: AwsProtocol = 'json') {
  const outcome = authenticator.authenticate({ ...request, protocol });
  if (outcome.payload.kind === 'signature') outcome.payload.complete(sha256Hex(request.body));
  return outcome;
}

describe('Authenticator against the SDK signer', () => {
  const store = new CredentialStore({ now: () => new Date(NOW) });
  const authenticator = new Authenticator(store, () => NOW);

  it('verifies header signatures of non-S3 paths (normalised, encoded twice) and of S3 paths (as sent)', async () => {
    const lambda = await signedBySdk({ service: 'lambda', path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ax/invocations', query: { Qualifier: '$LATEST' }, body: '{"a":1}' });
    expect(verify(authenticator, lambda).caller).toEqual(accountRoot());
    const s3 = await signedBySdk({ service: 's3', path: '/bucket/a%20b/c%2Bd/../e', query: { 'list-type': '2', prefix: 'x y/*' }, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(verify(authenticator, s3, 'rest-xml').payload.kind).toBe('none');
  });

  it('checks the body hash when the signature covers it', async () => {
    const request = await signedBySdk({ service: 'glue', path: '/', body: '{"JobName":"a"}', headers: { 'x-amz-target': 'AWSGlue.GetJob' } });
    expect(refusal(() => verify(authenticator, { ...request, body: '{"JobName":"b"}' }))).toEqual({ code: 'InvalidSignatureException', status: 403 });
  });

  it('refuses a request signed more than 15 minutes away from now, either way', async () => {
    for (const at of [NOW - 16 * 60_000, NOW + 16 * 60_000]) {
      const request = await signedBySdk({ service: 'sts', path: '/', at });
      expect(refusal(() => verify(authenticator, request, 'query'))).toEqual({ code: 'RequestExpired', status: 400 });
      expect(refusal(() => verify(authenticator, request, 'rest-xml'))).toEqual({ code: 'RequestTimeTooSkewed', status: 403 });
    }
    expect(verify(authenticator, await signedBySdk({ service: 'sts', path: '/', at: NOW - 14 * 60_000 })).caller.type).toBe('account-root');
  });

  it('temporary credentials: need their token, are refused once expired; a long-term key refuses a token', async () => {
    let now = NOW;
    const clockStore = new CredentialStore({ now: () => new Date(now) });
    const clocked = new Authenticator(clockStore, () => now);
    const principal = { type: 'assumed-role' as const, arn: 'arn:aws:sts::000000000000:assumed-role/r/s', accountId: '000000000000', roleArn: 'arn:aws:iam::000000000000:role/r', roleName: 'r', sessionName: 's' };
    const issued = clockStore.issueTemporary(principal, 900);
    expect(issued.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const withToken = await signedBySdk({ service: 'sqs', path: '/', credentials: issued });
    expect(verify(clocked, withToken).caller).toEqual(principal);
    const withoutToken = await signedBySdk({ service: 'sqs', path: '/', credentials: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey } });
    expect(refusal(() => verify(clocked, withoutToken, 'query'))).toEqual({ code: 'InvalidClientTokenId', status: 403 });
    expect(refusal(() => verify(clocked, withoutToken, 'rest-xml'))).toEqual({ code: 'InvalidAccessKeyId', status: 403 });
    now = NOW + 901_000;
    const late = await signedBySdk({ service: 'sqs', path: '/', credentials: issued, at: now });
    expect(refusal(() => verify(clocked, late, 'query'))).toEqual({ code: 'ExpiredToken', status: 403 });
    expect(refusal(() => verify(clocked, late, 'json'))).toEqual({ code: 'ExpiredTokenException', status: 403 });
    const longTermWithToken = await signedBySdk({ service: 'sqs', path: '/', credentials: { accessKeyId: 'local', secretAccessKey: 'local', sessionToken: 'x' } });
    expect(refusal(() => verify(authenticator, longTermWithToken, 'json'))).toEqual({ code: 'UnrecognizedClientException', status: 403 });
  });

  it('refuses Signature Version 2 and other algorithms', () => {
    const base = { method: 'GET', rawPath: '/b/k', rawQuery: '', query: new URLSearchParams(), rawHeaders: [], body: '' };
    expect(refusal(() => verify(authenticator, { ...base, headers: { authorization: 'AWS local:abc=' }, protocol: 'rest-xml' }, 'rest-xml'))).toEqual({ code: 'InvalidRequest', status: 400 });
    expect(refusal(() => verify(authenticator, { ...base, headers: { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=x' }, protocol: 'json' }))).toEqual({ code: 'IncompleteSignatureException', status: 400 });
  });
});

describe('local keys', () => {
  it('LOCAL_STACK_CREDENTIALS replaces local/local and test/test', () => {
    expect(parseLocalKeys(undefined).map((key) => key.accessKeyId)).toEqual(['local', 'test']);
    expect(parseLocalKeys('me:secret, ci:other')).toEqual([
      { accessKeyId: 'me', secretAccessKey: 'secret' },
      { accessKeyId: 'ci', secretAccessKey: 'other' },
    ]);
    expect(() => parseLocalKeys('nosecret')).toThrow(/key:secret/);
  });
});
