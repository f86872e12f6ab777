/**
 * RFC 5322 / MIME message building for SES v2 SendEmail: headers (RFC 2047 encoded words for
 * non-ASCII text), quoted-printable text parts, multipart/alternative for text + HTML, and
 * multipart/mixed when there are attachments. Lines end with CRLF.
 */
import { randomBytes } from 'node:crypto';

const CRLF = '\r\n';
const MAX_ENCODED_WORD_BYTES = 45; // base64 of 45 bytes is 60 chars: `=?UTF-8?B?...?=` stays within 75.

export interface MessageHeader {
  name: string;
  value: string;
}

export interface MessageAttachment {
  fileName: string;
  content: Buffer;
  contentType?: string;
  disposition?: 'ATTACHMENT' | 'INLINE';
  contentId?: string;
  description?: string;
}

export interface SimpleMessage {
  from: string;
  to: readonly string[];
  cc: readonly string[];
  bcc: readonly string[];
  replyTo: readonly string[];
  subject: string;
  text?: string;
  html?: string;
  headers: readonly MessageHeader[];
  attachments: readonly MessageAttachment[];
  messageId: string;
  date: Date;
}

const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

/**
 * Header text as RFC 2047 requires: ASCII words stay readable, the span from the first to the last
 * non-ASCII word becomes `=?UTF-8?B?...?=` words (split on character boundaries, folded).
 */
export function encodeHeaderText(text: string): string {
  const singleLine = text.replace(/[\r\n]+/g, ' ');
  if (isAscii(singleLine)) return singleLine;
  const words = singleLine.split(/(\s+)/);
  const first = words.findIndex((word) => !isAscii(word));
  const last = words.length - 1 - [...words].reverse().findIndex((word) => !isAscii(word));
  const before = words.slice(0, first).join('');
  const after = words.slice(last + 1).join('');
  return `${before}${encodeWords(words.slice(first, last + 1).join(''))}${after}`;
}

function encodeWords(text: string): string {
  const words: string[] = [];
  let current = '';
  for (const char of text) {
    if (Buffer.byteLength(current + char, 'utf8') > MAX_ENCODED_WORD_BYTES) {
      words.push(current);
      current = '';
    }
    current += char;
  }
  if (current !== '') words.push(current);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

/** `Name <a@b>` with the display name encoded when it is not ASCII; a bare address stays as is. */
export function encodeAddress(address: string): string {
  const match = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(address);
  if (!match) return address.trim();
  const [, rawName = '', mailbox = ''] = match;
  const name = rawName.replace(/^"(.*)"$/, '$1');
  if (name === '') return `<${mailbox}>`;
  if (!isAscii(name)) return `${encodeHeaderText(name)} <${mailbox}>`;
  return /[()<>[\]:;@\\,."]/.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}" <${mailbox}>` : `${name} <${mailbox}>`;
}

export function encodeAddressList(addresses: readonly string[]): string {
  return addresses.map(encodeAddress).join(`,${CRLF} `);
}

/** `Tue, 25 Nov 2026 11:08:00 +0000` (RFC 5322 date-time). */
export function formatMessageDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** Quoted-printable (RFC 2045) of UTF-8 text, line breaks normalised to CRLF, lines within 76 chars. */
export function encodeQuotedPrintable(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(encodeQuotedPrintableLine)
    .join(CRLF);
}

function encodeQuotedPrintableLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  const output: string[] = [];
  let lineLength = 0;
  bytes.forEach((byte, index) => {
    const isLast = index === bytes.length - 1;
    const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !isLast);
    const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    // Keep room for the soft break `=` unless this token ends the line.
    const limit = isLast ? 76 : 75;
    if (lineLength + token.length > limit) {
      output.push(`=${CRLF}`);
      lineLength = 0;
    }
    output.push(token);
    lineLength += token.length;
  });
  return output.join('');
}

function base64Lines(content: Buffer): string {
  return (content.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

function boundary(): string {
  return `=_local_${randomBytes(12).toString('hex')}`;
}

function textPart(subtype: 'plain' | 'html', text: string): string {
  return [
    `Content-Type: text/${subtype}; charset=UTF-8`,
    'Content-Transfer-Encoding: quoted-printable',
    '',
    encodeQuotedPrintable(text),
  ].join(CRLF);
}

function multipart(subtype: 'alternative' | 'mixed', parts: readonly string[]): string {
  const marker = boundary();
  return [
    `Content-Type: multipart/${subtype};${CRLF} boundary="${marker}"`,
    '',
    ...parts.map((part) => `--${marker}${CRLF}${part}`),
    `--${marker}--`,
    '',
  ].join(CRLF);
}

function attachmentPart(attachment: MessageAttachment): string {
  const fileName = encodeHeaderText(attachment.fileName.replace(/"/g, ''));
  const headers = [
    `Content-Type: ${attachment.contentType ?? 'application/octet-stream'};${CRLF} name="${fileName}"`,
    `Content-Disposition: ${attachment.disposition === 'INLINE' ? 'inline' : 'attachment'};${CRLF} filename="${fileName}"`,
    'Content-Transfer-Encoding: base64',
  ];
  if (attachment.contentId) headers.push(`Content-ID: <${attachment.contentId.replace(/^<|>$/g, '')}>`);
  if (attachment.description) headers.push(`Content-Description: ${encodeHeaderText(attachment.description)}`);
  return [...headers, '', base64Lines(attachment.content)].join(CRLF);
}

/** The body part (with its own Content-Type headers) for the text, HTML and attachments given. */
function bodyEntity(message: SimpleMessage): string {
  const alternatives: string[] = [];
  if (message.text !== undefined) alternatives.push(textPart('plain', message.text));
  if (message.html !== undefined) alternatives.push(textPart('html', message.html));
  const content = alternatives.length === 1 ? (alternatives[0] as string) : multipart('alternative', alternatives);
  if (message.attachments.length === 0) return content;
  return multipart('mixed', [content, ...message.attachments.map(attachmentPart)]);
}

/** Header names the builder writes itself; callers may not supply them as custom headers. */
export const RESERVED_HEADERS = new Set([
  'from', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'mime-version',
  'content-type', 'content-transfer-encoding',
]);

export function buildSimpleMessage(message: SimpleMessage): Buffer {
  const headers = [
    `From: ${encodeAddress(message.from)}`,
    message.to.length > 0 ? `To: ${encodeAddressList(message.to)}` : undefined,
    message.cc.length > 0 ? `Cc: ${encodeAddressList(message.cc)}` : undefined,
    // The stored copy keeps Bcc so that a reader of the mail directory sees every recipient.
    message.bcc.length > 0 ? `Bcc: ${encodeAddressList(message.bcc)}` : undefined,
    message.replyTo.length > 0 ? `Reply-To: ${encodeAddressList(message.replyTo)}` : undefined,
    `Subject: ${encodeHeaderText(message.subject)}`,
    `Date: ${formatMessageDate(message.date)}`,
    `Message-ID: <${message.messageId}@email.amazonses.com>`,
    'MIME-Version: 1.0',
    ...message.headers.map((header) => `${header.name}: ${encodeHeaderText(header.value)}`),
  ].filter((line): line is string => line !== undefined);
  return Buffer.from(`${headers.join(CRLF)}${CRLF}${bodyEntity(message)}`, 'utf8');
}

/** Header names (lower case) of a raw message's header section. */
export function rawHeaderNames(raw: Buffer): Set<string> {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const section = end < 0 ? text : text.slice(0, end);
  const names = new Set<string>();
  for (const line of section.split(/\r?\n/)) {
    const match = /^([!-9;-~]+):/.exec(line);
    if (match?.[1]) names.add(match[1].toLowerCase());
  }
  return names;
}

/** A raw message as SES sends it: Date and Message-ID added when missing, From when given separately. */
export function completeRawMessage(raw: Buffer, options: { messageId: string; date: Date; from?: string }): Buffer {
  const present = rawHeaderNames(raw);
  const added: string[] = [];
  if (!present.has('from') && options.from) added.push(`From: ${encodeAddress(options.from)}`);
  if (!present.has('date')) added.push(`Date: ${formatMessageDate(options.date)}`);
  if (!present.has('message-id')) added.push(`Message-ID: <${options.messageId}@email.amazonses.com>`);
  if (added.length === 0) return raw;
  return Buffer.concat([Buffer.from(added.join(CRLF) + CRLF, 'utf8'), raw]);
}
