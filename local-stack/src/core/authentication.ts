/**
 * SigV4 verification of every AWS API request, as AWS's front ends do it: an Authorization header
 * or a presigned query string, checked against the stack's CredentialStore, with AWS's error code
 * and status for the request's protocol. The outcome names the caller (a Principal) and what is
 * left to check of the payload (its SHA-256, aws-chunked chunk signatures), which the server does
 * while it reads the body, so a body is hashed once.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CredentialStore, Principal, StoredCredentials } from './credentials';
import { QUERY_ERROR_CODE_KEY } from './errors';
import {
  ALGORITHM,
  canonicalRequest,
  ChunkSignatureChain,
  EMPTY_SHA256,
  hmacHex,
  parseAmzDate,
  signaturesEqual,
  signingKey,
  stringToSign,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  UNSIGNED_PAYLOAD,
  type Scope,
} from './sigv4';
import { AwsError, type AwsProtocol } from './types';

/** AWS refuses a request signed more than 15 minutes before or after its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL lives at most 7 days. */
const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;

export type AuthFailure =
  | 'missing'
  | 'malformed'
  | 'malformed-presigned'
  | 'unsupported'
  | 'unknown-key'
  | 'missing-token'
  | 'invalid-token'
  | 'expired-token'
  | 'signature'
  | 'skewed'
  | 'presigned-expired'
  | 'payload-hash';

interface ProtocolCode {
  code: string;
  status: number;
  message?: string;
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const UNKNOWN_KEY = {
  s3: { code: 'InvalidAccessKeyId', status: 403, message: 'The AWS Access Key Id you provided does not exist in our records.' },
  query: { code: 'InvalidClientTokenId', status: 403, message: INVALID_TOKEN },
  json: { code: 'UnrecognizedClientException', status: 403, message: INVALID_TOKEN },
};

/** Each failure as S3 (REST-XML), the query protocol and the JSON protocols (awsJson, REST-JSON) answer it. */
const FAILURES: Readonly<Record<AuthFailure, { s3: ProtocolCode; query: ProtocolCode; json: ProtocolCode }>> = {
  missing: {
    s3: { code: 'AccessDenied', status: 403, message: 'Access Denied' },
    query: { code: 'MissingAuthenticationToken', status: 403, message: 'Request is missing Authentication Token' },
    json: { code: 'MissingAuthenticationTokenException', status: 403, message: 'Missing Authentication Token' },
  },
  malformed: {
    s3: { code: 'AuthorizationHeaderMalformed', status: 400 },
    query: { code: 'IncompleteSignature', status: 400 },
    json: { code: 'IncompleteSignatureException', status: 400 },
  },
  'malformed-presigned': {
    s3: { code: 'AuthorizationQueryParametersError', status: 400 },
    query: { code: 'IncompleteSignature', status: 400 },
    json: { code: 'IncompleteSignatureException', status: 400 },
  },
  unsupported: {
    s3: { code: 'InvalidRequest', status: 400 },
    query: { code: 'IncompleteSignature', status: 400 },
    json: { code: 'IncompleteSignatureException', status: 400 },
  },
  'unknown-key': UNKNOWN_KEY,
  // Temporary credentials without their token are, to AWS, a key it does not know.
  'missing-token': UNKNOWN_KEY,
  'invalid-token': {
    s3: { code: 'InvalidToken', status: 400, message: 'The provided token is malformed or otherwise invalid.' },
    query: { code: 'InvalidClientTokenId', status: 403, message: INVALID_TOKEN },
    json: { code: 'UnrecognizedClientException', status: 403, message: INVALID_TOKEN },
  },
  'expired-token': {
    s3: { code: 'ExpiredToken', status: 400, message: 'The provided token has expired.' },
    query: { code: 'ExpiredToken', status: 403, message: 'The security token included in the request is expired' },
    json: { code: 'ExpiredTokenException', status: 403, message: 'The security token included in the request is expired' },
  },
  signature: {
    s3: { code: 'SignatureDoesNotMatch', status: 403, message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' },
    query: { code: 'SignatureDoesNotMatch', status: 403, message: SIGNATURE_MISMATCH },
    json: { code: 'InvalidSignatureException', status: 403, message: SIGNATURE_MISMATCH },
  },
  skewed: {
    s3: { code: 'RequestTimeTooSkewed', status: 403 },
    query: { code: 'RequestExpired', status: 400 },
    json: { code: 'InvalidSignatureException', status: 403 },
  },
  'presigned-expired': {
    s3: { code: 'AccessDenied', status: 403, message: 'Request has expired' },
    query: { code: 'RequestExpired', status: 400 },
    json: { code: 'InvalidSignatureException', status: 403 },
  },
  'payload-hash': {
    s3: { code: 'XAmzContentSHA256Mismatch', status: 400, message: "The provided 'x-amz-content-sha256' header does not match what was computed." },
    query: { code: 'SignatureDoesNotMatch', status: 403, message: SIGNATURE_MISMATCH },
    json: { code: 'InvalidSignatureException', status: 403, message: SIGNATURE_MISMATCH },
  },
};

export function authError(failure: AuthFailure, protocol: AwsProtocol, detail?: string): AwsError {
  const codes = FAILURES[failure];
  const family = protocol === 'rest-xml' ? codes.s3 : protocol === 'query' ? codes.query : codes.json;
  const message = [family.message, detail].filter(Boolean).join(' ');
  // JSON-protocol services compatible with the query protocol (SQS) also name the query code.
  const extra: Record<string, string> = protocol === 'json' ? { [QUERY_ERROR_CODE_KEY]: codes.query.code } : {};
  return new AwsError(family.code, message, family.status, extra);
}

/** What the server knows of a request before its body. */
export interface RequestToAuthenticate {
  method: string;
  rawPath: string;
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Node's `rawHeaders`: names and values as they came, repeated headers apart. */
  rawHeaders: readonly string[];
  protocol: AwsProtocol;
}

/** What is left to verify once the signature over the request head holds. */
export type PayloadCheck =
  /** Nothing: the payload is unsigned (UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER). */
  | { readonly kind: 'none' }
  /** The body must hash to this (x-amz-content-sha256). */
  | { readonly kind: 'sha256'; readonly expected: string }
  /** aws-chunked with chunk signatures, chained from the request's signature. */
  | { readonly kind: 'chunks'; readonly chain: ChunkSignatureChain; readonly trailer: boolean }
  /** The signature covers the body's hash, which is not known yet: `complete` checks it. */
  | { readonly kind: 'signature'; complete(bodySha256: string): void };

export interface Authenticated {
  readonly caller: Principal;
  readonly payload: PayloadCheck;
}

interface SignatureClaim {
  accessKeyId: string;
  scope: Scope;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  signedAt: Date;
  sessionToken: string | undefined;
  presigned: boolean;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export class Authenticator {
  constructor(
    private readonly credentials: CredentialStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Verifies what can be verified before the body; throws the protocol's AwsError when the request is refused. */
  authenticate(request: RequestToAuthenticate): Authenticated {
    const claim = this.claimOf(request);
    const stored = this.credentials.lookup(claim.accessKeyId);
    if (!stored) throw authError('unknown-key', request.protocol);
    this.checkToken(stored, claim, request.protocol);
    this.checkTime(claim, request);

    const key = signingKey(stored.secretAccessKey, claim.scope.date, claim.scope.region, claim.scope.service);
    const verify = (payloadHash: string): void => {
      const canonical = canonicalRequest({
        method: request.method,
        rawPath: request.rawPath,
        rawQuery: request.rawQuery,
        rawHeaders: request.rawHeaders,
        signedHeaders: claim.signedHeaders,
        payloadHash,
        service: claim.scope.service,
        excludeQuery: claim.presigned ? 'X-Amz-Signature' : undefined,
      });
      if (!signaturesEqual(hmacHex(key, stringToSign(claim.amzDate, claim.scope, canonical)), claim.signature)) {
        throw authError('signature', request.protocol);
      }
    };

    if (claim.presigned && !request.query.has('X-Amz-Content-Sha256')) {
      // botocore presigns with UNSIGNED-PAYLOAD, smithy's signer (SDK v3) outside S3 with the empty body's hash.
      try {
        verify(UNSIGNED_PAYLOAD);
      } catch {
        verify(EMPTY_SHA256);
      }
      return { caller: stored.principal, payload: { kind: 'none' } };
    }
    const declared = claim.presigned ? request.query.get('X-Amz-Content-Sha256')! : single(request.headers['x-amz-content-sha256']);
    if (declared === undefined) {
      if (claim.scope.service === 's3') throw new AwsError('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256', 400);
      return { caller: stored.principal, payload: { kind: 'signature', complete: verify } };
    }
    verify(declared);
    if (declared === UNSIGNED_PAYLOAD || declared === STREAMING_UNSIGNED_TRAILER) return { caller: stored.principal, payload: { kind: 'none' } };
    if (declared === STREAMING_SIGNED || declared === STREAMING_SIGNED_TRAILER) {
      return { caller: stored.principal, payload: { kind: 'chunks', chain: new ChunkSignatureChain(key, claim.amzDate, claim.scope, claim.signature), trailer: declared === STREAMING_SIGNED_TRAILER } };
    }
    if (!/^[0-9a-f]{64}$/.test(declared)) {
      throw new AwsError('InvalidArgument', `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER) or a SHA-256 in hex, not ${declared}`, 400);
    }
    return { caller: stored.principal, payload: { kind: 'sha256', expected: declared } };
  }

  private claimOf(request: RequestToAuthenticate): SignatureClaim {
    const authorization = single(request.headers.authorization);
    if (authorization !== undefined) return this.headerClaim(authorization, request);
    if (request.query.has('X-Amz-Signature') || request.query.has('X-Amz-Credential') || request.query.has('X-Amz-Algorithm')) return this.presignedClaim(request);
    if (request.query.has('AWSAccessKeyId') && request.query.has('Signature')) {
      throw authError('unsupported', request.protocol, `The local stack verifies ${ALGORITHM} signatures only (not Signature Version 2).`);
    }
    throw authError('missing', request.protocol);
  }

  private headerClaim(authorization: string, request: RequestToAuthenticate): SignatureClaim {
    const { protocol } = request;
    const algorithm = authorization.trim().split(/\s+/, 1)[0] ?? '';
    if (algorithm !== ALGORITHM) {
      throw authError('unsupported', protocol, `The authorization mechanism you have provided (${algorithm || 'none'}) is not supported. Please use ${ALGORITHM}.`);
    }
    const fields = new Map<string, string>();
    for (const part of authorization.trim().slice(ALGORITHM.length).split(',')) {
      const equals = part.indexOf('=');
      if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
    }
    const credential = fields.get('Credential');
    const signedHeaders = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!credential || !signedHeaders || !signature) {
      const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.get(name));
      throw authError('malformed', protocol, `Authorization header requires ${missing.map((name) => `'${name}'`).join(', ')} parameter(s). Authorization=${authorization}`);
    }
    const amzDate = single(request.headers['x-amz-date']);
    if (amzDate === undefined) throw authError('malformed', protocol, 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.');
    return this.claimFrom(credential, signedHeaders, signature, amzDate, single(request.headers['x-amz-security-token']), false, 'malformed', protocol);
  }

  private presignedClaim(request: RequestToAuthenticate): SignatureClaim {
    const { query, protocol } = request;
    const missing = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'].filter((name) => !query.get(name));
    if (missing.length > 0) throw authError('malformed-presigned', protocol, `Query-string authentication requires the ${missing.join(', ')} parameter(s).`);
    if (query.get('X-Amz-Algorithm') !== ALGORITHM) throw authError('malformed-presigned', protocol, `X-Amz-Algorithm only supports "${ALGORITHM}".`);
    const expires = Number(query.get('X-Amz-Expires'));
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGNED_EXPIRES_SECONDS) {
      throw authError('malformed-presigned', protocol, `X-Amz-Expires must be an integer from 1 to ${MAX_PRESIGNED_EXPIRES_SECONDS} (7 days).`);
    }
    const claim = this.claimFrom(
      query.get('X-Amz-Credential')!,
      query.get('X-Amz-SignedHeaders')!,
      query.get('X-Amz-Signature')!,
      query.get('X-Amz-Date')!,
      query.get('X-Amz-Security-Token') ?? undefined,
      true,
      'malformed-presigned',
      protocol,
    );
    if (this.now() > claim.signedAt.getTime() + expires * 1000) throw authError('presigned-expired', protocol, `(signed at ${claim.amzDate}, valid for ${expires} s)`);
    return claim;
  }

  private claimFrom(
    credential: string,
    signedHeaderList: string,
    signature: string,
    amzDate: string,
    sessionToken: string | undefined,
    presigned: boolean,
    malformed: AuthFailure,
    protocol: AwsProtocol,
  ): SignatureClaim {
    const parts = credential.split('/');
    if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((part) => part === '')) {
      throw authError(malformed, protocol, `The credential ${credential} is not <access key>/<yyyymmdd>/<region>/<service>/aws4_request.`);
    }
    const [accessKeyId, date, region, service] = parts as [string, string, string, string];
    const signedAt = parseAmzDate(amzDate);
    if (!signedAt) throw authError(malformed, protocol, `X-Amz-Date ${amzDate} is not an ISO 8601 basic date (yyyymmddThhmmssZ).`);
    if (!amzDate.startsWith(date)) throw authError(malformed, protocol, `Invalid credential date ${date}: it is not the date of X-Amz-Date ${amzDate}.`);
    const signedHeaders = signedHeaderList.split(';');
    if (signedHeaders.some((name) => name === '' || name !== name.toLowerCase())) {
      throw authError(malformed, protocol, `SignedHeaders must be lower-case header names separated by semicolons: ${signedHeaderList}`);
    }
    if (!/^[0-9a-f]{64}$/.test(signature)) throw authError(malformed, protocol, 'The signature must be 64 lower-case hex digits.');
    return { accessKeyId, scope: { date, region, service }, signedHeaders, signature, amzDate, signedAt, sessionToken, presigned };
  }

  private checkToken(stored: StoredCredentials, claim: SignatureClaim, protocol: AwsProtocol): void {
    if (stored.sessionToken === undefined) {
      if (claim.sessionToken !== undefined) throw authError('invalid-token', protocol, `(${claim.accessKeyId} is a long-term key: send no session token with it)`);
      return;
    }
    if (claim.sessionToken === undefined) throw authError('missing-token', protocol, `(temporary credentials ${claim.accessKeyId} need their session token)`);
    if (!signaturesEqual(stored.sessionToken, claim.sessionToken)) throw authError('invalid-token', protocol);
    if (stored.expiresAt !== undefined && stored.expiresAt.getTime() <= this.now()) throw authError('expired-token', protocol, `(expired at ${stored.expiresAt.toISOString()})`);
  }

  private checkTime(claim: SignatureClaim, request: RequestToAuthenticate): void {
    const skew = claim.signedAt.getTime() - this.now();
    // A presigned URL may be used until it expires; it may not be dated in the future.
    if (claim.presigned ? skew <= MAX_CLOCK_SKEW_MS : Math.abs(skew) <= MAX_CLOCK_SKEW_MS) return;
    const now = new Date(this.now()).toISOString();
    const detail =
      request.protocol === 'rest-xml'
        ? `The difference between the request time (${claim.amzDate}) and the current time (${now}) is too large.`
        : `Signature expired: ${claim.amzDate} is now ${skew < 0 ? 'earlier' : 'later'} than ${now} (15 min. ${skew < 0 ? 'before' : 'after'} the current time).`;
    throw authError('skewed', request.protocol, detail);
  }
}
