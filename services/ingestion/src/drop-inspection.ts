import { constants, gunzipSync } from 'node:zlib';
import type { SampleLabel } from './class-names';
import type { DropFormat, DropName } from './drop-keys';

/** How much of a drop is read to judge it: enough for many lines, never the whole file. */
export const SAMPLE_BYTES = 64 * 1024;
/** CopyObject copies at most 5 GiB in one request. */
export const MAX_DROP_BYTES = 5 * 1024 ** 3;
/** How many data lines of the sample are checked. */
export const CHECKED_LINES = 20;
/** A gzip sample may not inflate beyond this (a small sample of a highly compressible file is retried shorter). */
const MAX_INFLATED_BYTES = 8 * 1024 * 1024;

export type RejectionCode =
  | 'unsupported-extension'
  | 'empty'
  | 'too-large'
  | 'not-gzip'
  | 'corrupt-gzip'
  | 'not-utf8'
  | 'binary'
  | 'no-data'
  | 'line-too-long'
  | 'bad-shape'
  | 'reserved-name'
  | 'bad-classes'
  | 'label-conflict'
  | 'no-classes';

export type Verdict =
  /** `labels`: the labels of the data lines checked, as written (for classes.txt, none). */
  | { accepted: true; format: DropFormat; labels: SampleLabel[] }
  | { accepted: false; code: RejectionCode; reason: string; details: Record<string, unknown> };

export type Rejection = Extract<Verdict, { accepted: false }>;

export const reject = (code: RejectionCode, reason: string, details: Record<string, unknown> = {}): Rejection => ({
  accepted: false,
  code,
  reason,
  details: { code, ...details },
});

/** What can be judged from the key and the size alone, before reading anything. */
export function inspectName(drop: DropName, size: number): Rejection | undefined {
  if (drop.format === undefined) {
    return reject('unsupported-extension', 'Only .csv, .jsonl and .txt files (optionally gzipped, .gz) and classes.txt are accepted.', {
      key: drop.key,
    });
  }
  if (size === 0) return reject('empty', 'The file is empty.');
  if (size > MAX_DROP_BYTES) {
    return reject('too-large', `The file is larger than ${MAX_DROP_BYTES} bytes (5 GiB); split it into smaller files.`, { size });
  }
  const fileName = drop.relativePath.slice(drop.relativePath.lastIndexOf('/') + 1);
  if (drop.format !== 'classes' && /^classes\./i.test(fileName)) {
    return reject('reserved-name', 'Data file names starting with "classes." are reserved for lists of class names (classes.txt): rename the file.');
  }
  return undefined;
}

/**
 * Judges a drop from its first bytes: readable UTF-8 text without NUL bytes whose first lines have
 * the shape of the format its extension names. `truncated` says the sample is not the whole object.
 */
export function inspectSample(drop: DropName, sample: Uint8Array, truncated: boolean): Verdict {
  const format = drop.format;
  if (format === undefined) return reject('unsupported-extension', 'Unsupported file extension.');
  let bytes = sample;
  let partial = truncated;
  if (drop.gzipped) {
    const inflated = inflateSample(sample);
    if (!inflated.accepted) return inflated.verdict;
    bytes = inflated.bytes;
    partial = truncated || inflated.partial;
  }
  let text: string;
  try {
    // stream: true holds back a multi-byte character cut at the end of a partial sample instead of failing on it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes, { stream: partial });
  } catch {
    return reject('not-utf8', 'The file is not UTF-8 text.');
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return reject('binary', 'The file contains NUL bytes: it looks binary, not text.', { offset: nul });
  return format === 'csv' ? inspectCsv(text, partial) : inspectLines(format, text, partial);
}

type Inflated = { accepted: true; bytes: Uint8Array; partial: boolean } | { accepted: false; verdict: Rejection };

function inflateSample(sample: Uint8Array): Inflated {
  if (sample.length < 2 || sample[0] !== 0x1f || sample[1] !== 0x8b) {
    return { accepted: false, verdict: reject('not-gzip', 'The file is named .gz but is not gzip data.') };
  }
  // A sync flush inflates what the (possibly cut) sample holds instead of failing on the missing end.
  for (const length of [sample.length, 8192]) {
    try {
      const bytes = gunzipSync(sample.subarray(0, length), {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: MAX_INFLATED_BYTES,
      });
      return { accepted: true, bytes, partial: length < sample.length };
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') {
        return { accepted: false, verdict: reject('corrupt-gzip', `The gzip data is corrupt: ${(error as Error).message}`) };
      }
    }
  }
  return { accepted: false, verdict: reject('corrupt-gzip', 'The gzip data inflates to an implausible size.') };
}

interface NumberedLine {
  line: number;
  text: string;
}

/** The first non-blank lines, without a last line that the sample may have cut. */
function firstLines(text: string, partial: boolean, limit: number): NumberedLine[] {
  const lines = text.split(/\r?\n/);
  if (partial) lines.pop();
  const result: NumberedLine[] = [];
  for (let i = 0; i < lines.length && result.length < limit; i++) {
    if (lines[i]!.trim() !== '') result.push({ line: i + 1, text: lines[i]! });
  }
  return result;
}

function noLines(partial: boolean): Verdict {
  return partial
    ? reject('line-too-long', `No complete line in the first ${SAMPLE_BYTES} bytes.`)
    : reject('no-data', 'The file has no data lines.');
}

function inspectLines(format: 'jsonl' | 'txt' | 'classes', text: string, partial: boolean): Verdict {
  const lines = firstLines(text, partial, CHECKED_LINES);
  if (lines.length === 0) return noLines(partial);
  const labels: SampleLabel[] = [];
  for (const { line, text: content } of lines) {
    if (format === 'classes') continue;
    const read = format === 'jsonl' ? jsonlLabel(content) : fastTextLabel(content);
    if ('problem' in read) return reject('bad-shape', `Line ${line}: ${read.problem}`, { line, format });
    labels.push({ line, label: read.label });
  }
  return { accepted: true, format, labels };
}

type LabelRead = { label: string } | { problem: string };

function jsonlLabel(line: string): LabelRead {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: 'not a JSON value.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'not a JSON object.' };
  const record = value as Record<string, unknown>;
  const label = record.label;
  const labelOk = (typeof label === 'string' && label.trim() !== '') || (typeof label === 'number' && Number.isFinite(label));
  if (!labelOk) return { problem: 'expected a non-empty "label" (string or number).' };
  if (typeof record.text === 'string' || typeof record.title === 'string' || typeof record.content === 'string') return { label: String(label) };
  return { problem: 'expected a "text" field, or "title"/"content".' };
}

function fastTextLabel(line: string): LabelRead {
  const match = /^__label__(\S+)\s+\S/.exec(line);
  return match ? { label: match[1]! } : { problem: 'expected fastText format: "__label__<label> <text>".' };
}

const CSV_HEADERS = [
  ['label', 'title', 'content'],
  ['label', 'text'],
];

function inspectCsv(text: string, partial: boolean): Verdict {
  const parsed = parseCsvRecords(text, CHECKED_LINES + 2);
  let records = parsed.records;
  if (partial) records = records.slice(0, -1); // the sample may have cut the last record
  else if (!parsed.complete) {
    return reject('bad-shape', `Line ${parsed.records.at(-1)?.line ?? 1}: unterminated quoted field.`, { format: 'csv' });
  }
  records = records.filter((record) => record.fields.some((field) => field.trim() !== '')).slice(0, CHECKED_LINES);
  if (records.length === 0) return noLines(partial);
  const header = CSV_HEADERS.find((names) => sameFields(records[0]!.fields, names));
  const columns = header?.length ?? 3;
  const data = header ? records.slice(1) : records;
  if (data.length === 0 && !partial) return reject('no-data', 'The file has a header but no data lines.');
  const labels: SampleLabel[] = [];
  for (const { line, fields } of data) {
    if (fields.length !== columns) {
      return reject('bad-shape', `Line ${line}: expected ${columns} columns (${(header ?? CSV_HEADERS[0]!).join(',')}), found ${fields.length}.`, {
        line,
        format: 'csv',
        expectedColumns: columns,
        foundColumns: fields.length,
      });
    }
    if (fields[0]!.trim() === '') return reject('bad-shape', `Line ${line}: the label is empty.`, { line, format: 'csv' });
    if (fields.slice(1).every((field) => field.trim() === '')) {
      return reject('bad-shape', `Line ${line}: the text is empty.`, { line, format: 'csv' });
    }
    labels.push({ line, label: fields[0]! });
  }
  return { accepted: true, format: 'csv', labels };
}

const sameFields = (fields: string[], names: string[]): boolean =>
  fields.length === names.length && fields.every((field, i) => field.trim().toLowerCase() === names[i]);

interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks), at most `limit`.
 * `complete` is false when the text ends inside a quoted field.
 */
export function parseCsvRecords(text: string, limit: number): { records: CsvRecord[]; complete: boolean } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length && records.length < limit) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += char;
    }
    i++;
  }
  if (records.length >= limit) return { records, complete: true };
  if (quoted) {
    fields.push(field);
    records.push({ line: recordLine, fields });
    return { records, complete: false };
  }
  if (field !== '' || fields.length > 0) endRecord();
  return { records, complete: true };
}
