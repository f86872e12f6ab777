/**
 * Reads the local stack's mail directory (one RFC 5322 `.eml` per message): subject, recipients and
 * the plain-text body, for the demo, the end-to-end tests and the benchmarks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Mail {
  file: string;
  subject: string;
  to: string;
  /** The text/plain part, decoded. */
  text: string;
}

function headerBlock(message: string): { headers: Map<string, string>; body: string } {
  const split = message.indexOf('\r\n\r\n') >= 0 ? message.indexOf('\r\n\r\n') : message.indexOf('\n\n');
  const head = message.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: message.slice(split).replace(/^\r?\n\r?\n/, '') };
}

/** RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_whole, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replaceAll('_', ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_whole, hex: string) => `%${hex}`);
  try {
    return decodeURIComponent(bytes.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    return bytes;
  }
}

function decodePart(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function plainText(headers: Map<string, string>, body: string): string {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary) return decodePart(headers, body);
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const parsed = headerBlock(part.replace(/^\r?\n/, ''));
    const partType = (parsed.headers.get('content-type') ?? 'text/plain').toLowerCase();
    if (partType.startsWith('text/plain') || partType.startsWith('multipart/')) return plainText(parsed.headers, parsed.body).trimEnd();
  }
  return '';
}

export function parseMail(file: string, message: string): Mail {
  const { headers, body } = headerBlock(message);
  return { file, subject: decodeWords(headers.get('subject') ?? ''), to: headers.get('to') ?? '', text: plainText(headers, body) };
}

/** Every message in the directory, oldest first (file names start with the sending time). */
export function readMailbox(directory: string): Mail[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => parseMail(path.join(directory, name), readFileSync(path.join(directory, name), 'utf8')));
}
