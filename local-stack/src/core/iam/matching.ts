/**
 * How IAM matches names: `*` (any run of characters, none included) and `?` (exactly one character)
 * in actions, resources and the `*Like` condition operators; actions case-insensitively, ARNs
 * case-sensitively and segment by segment (a wildcard does not cross a colon of an ARN's first five
 * segments; the resource segment, the sixth, is matched whole, so `arn:aws:s3:::bucket/*` matches a
 * key with colons in it). Policy variables (`${aws:username}`, `${s3:prefix}`, `${*}`, `${?}`, `${$}`)
 * are replaced from the request context before matching.
 */

/** Context keys are case-insensitive; values are single strings or lists (multivalued keys). */
export type RequestContext = ReadonlyMap<string, string | readonly string[]>;

const globCache = new Map<string, RegExp>();

function globRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let compiled = globCache.get(cacheKey);
  if (compiled === undefined) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    compiled = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(cacheKey, compiled);
  }
  return compiled;
}

/** `*` and `?` wildcards, the whole value. */
export function globMatches(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return caseInsensitive ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return globRegExp(pattern, caseInsensitive).test(value);
}

/** `s3:Get*` matches `s3:GetObject` and `S3:getobject`; `*` matches every action. */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatches(pattern, action, true);
}

/** An ARN's six segments: the last one keeps its colons (`log-group:/aws/lambda/x:*`). */
function arnSegments(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** Resource and ArnLike matching: segment by segment when both are ARNs, else the whole string. */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const patternSegments = arnSegments(pattern);
  const arnParts = arnSegments(arn);
  // A pattern that starts as an ARN but lacks its six segments matches nothing (IAM refuses it as malformed).
  if (patternSegments === undefined) return !pattern.startsWith('arn:') && globMatches(pattern, arn);
  if (arnParts === undefined) return false;
  return patternSegments.every((segment, index) => globMatches(segment, arnParts[index]!));
}

/** A context key's value(s), keys compared case-insensitively as IAM does. */
export function contextValues(context: RequestContext, key: string): readonly string[] | undefined {
  const value = context.get(key.toLowerCase());
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : value;
}

/** Builds a context from plain keys (lower-cased here, so lookups are case-insensitive). */
export function requestContext(entries: Record<string, string | readonly string[] | undefined>): RequestContext {
  const context = new Map<string, string | readonly string[]>();
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) context.set(key.toLowerCase(), value);
  return context;
}

const VARIABLE = /\$\{([^}]*)\}/g;

/**
 * `${key}` and `${key, 'default'}` replaced by the key's single value; `${*}`, `${?}`, `${$}` by the
 * character itself. Undefined when a variable's key is absent (or multivalued) and has no default:
 * the element then matches nothing, as in IAM. (The stack substitutes `${*}` as a plain `*`, which
 * then acts as a wildcard: no template here uses it.)
 */
export function substituteVariables(text: string, context: RequestContext): string | undefined {
  if (!text.includes('${')) return text;
  let missing = false;
  const result = text.replace(VARIABLE, (_whole, inner: string) => {
    const body = inner.trim();
    if (body === '*' || body === '?' || body === '$') return body;
    const withDefault = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(body);
    const key = withDefault ? withDefault[1]! : body;
    const values = contextValues(context, key);
    const value = values?.length === 1 ? values[0] : withDefault?.[2];
    if (value === undefined) {
      missing = true;
      return '';
    }
    return value;
  });
  return missing ? undefined : result;
}
