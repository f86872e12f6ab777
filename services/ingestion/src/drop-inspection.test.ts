import { gzipSync } from 'node:zlib';
import { inspectName, inspectSample, parseCsvRecords, SAMPLE_BYTES } from './drop-inspection';
import { parseDropKey, type DropName } from './drop-keys';

const drop = (name: string): DropName => parseDropKey(`incoming/${name}`)!;
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const inspect = (name: string, text: string, truncated = false) => inspectSample(drop(name), utf8(text), truncated);

const DBPEDIA = [
  '1,"E. D. Abbott Ltd"," Abbott of Farnham E D Abbott Limited was a British coachbuilding business."',
  '2,"Schwan-Stabilo"," Schwan-STABILO is a German maker of pens, for writing, colouring and cosmetics."',
  '14,"Tonka, ""the"" truck","A toy ""truck""\nspanning two lines."',
].join('\n');

describe('inspectName', () => {
  it('refuses unsupported extensions, empty and oversized files before reading them', () => {
    expect(inspectName(drop('photo.jpg'), 10)).toMatchObject({ accepted: false, code: 'unsupported-extension' });
    expect(inspectName(drop('train.csv'), 0)).toMatchObject({ code: 'empty', reason: 'The file is empty.' });
    expect(inspectName(drop('train.csv'), 6 * 1024 ** 3)).toMatchObject({ code: 'too-large' });
    expect(inspectName(drop('train.csv'), 1)).toBeUndefined();
  });
});

describe('inspectSample: csv', () => {
  it('accepts the DBpedia shape, with quotes, doubled quotes and quoted line breaks', () => {
    const verdict = inspect('train.csv', `${DBPEDIA}\n`);
    expect(verdict).toMatchObject({ accepted: true, format: 'csv' });
    // the labels of the lines checked, with their line numbers (a record spanning lines starts where it starts)
    expect(verdict.accepted && verdict.labels.map(({ label }) => label)).toEqual(DBPEDIA.trim().split('\n').filter((line) => /^\d/.test(line)).map((line) => line.split(',')[0]!.replaceAll('"', '')));
    expect(verdict.accepted && verdict.labels[0]).toEqual({ line: 1, label: '1' });
  });

  it('accepts either header and CRLF line ends', () => {
    expect(inspect('a.csv', 'label,title,content\r\nA,t,c\r\n')).toMatchObject({ accepted: true });
    expect(inspect('a.csv', 'Label,Text\nspam,buy now\n')).toMatchObject({ accepted: true });
  });

  it('refuses a wrong number of columns, naming the line', () => {
    expect(inspect('a.csv', '1,t,c\n2,only two\n')).toMatchObject({
      accepted: false,
      code: 'bad-shape',
      reason: 'Line 2: expected 3 columns (label,title,content), found 2.',
      details: { line: 2, expectedColumns: 3, foundColumns: 2 },
    });
    expect(inspect('a.csv', 'label,text\nspam,a,b\n')).toMatchObject({ reason: 'Line 2: expected 2 columns (label,text), found 3.' });
  });

  it('refuses empty labels and empty text', () => {
    expect(inspect('a.csv', ',t,c\n')).toMatchObject({ reason: 'Line 1: the label is empty.' });
    expect(inspect('a.csv', '1, ,""\n')).toMatchObject({ reason: 'Line 1: the text is empty.' });
  });

  it('refuses an unterminated quoted field in a complete file', () => {
    expect(inspect('a.csv', '1,"t,c\n')).toMatchObject({ code: 'bad-shape', reason: 'Line 1: unterminated quoted field.' });
  });

  it('ignores a record the sample cut, quoted or not', () => {
    expect(inspect('a.csv', '1,t,c\n2,"cut in the mid', true)).toMatchObject({ accepted: true });
    expect(inspect('a.csv', '1,t,c\n2,t', true)).toMatchObject({ accepted: true });
  });

  it('refuses a header without data, and a sample without a complete line', () => {
    expect(inspect('a.csv', 'label,text\n')).toMatchObject({ code: 'no-data' });
    expect(inspect('a.csv', '1,t,very long', true)).toMatchObject({ code: 'line-too-long' });
  });
});

describe('inspectSample: jsonl, txt, classes', () => {
  it('accepts JSON objects with a label and text or title/content', () => {
    const lines = ['{"label": "spam", "text": "buy now"}', '', '{"label": 3, "title": "t", "content": "c"}'];
    expect(inspect('a.jsonl', lines.join('\n'))).toEqual({
      accepted: true,
      format: 'jsonl',
      labels: [
        { line: 1, label: 'spam' },
        { line: 3, label: '3' },
      ],
    });
  });

  it('refuses other JSON lines, naming the line', () => {
    expect(inspect('a.jsonl', '{"label":"a","text":"x"}\n[1,2]\n')).toMatchObject({ reason: 'Line 2: not a JSON object.' });
    expect(inspect('a.jsonl', '{"text":"x"}')).toMatchObject({ reason: 'Line 1: expected a non-empty "label" (string or number).' });
    expect(inspect('a.jsonl', '{"label":"a","body":"x"}')).toMatchObject({ reason: 'Line 1: expected a "text" field, or "title"/"content".' });
    expect(inspect('a.jsonl', 'label,text')).toMatchObject({ reason: 'Line 1: not a JSON value.' });
  });

  it('accepts fastText lines and refuses others', () => {
    expect(inspect('a.txt', '__label__1 some text\n__label__2 more\n')).toEqual({
      accepted: true,
      format: 'txt',
      labels: [
        { line: 1, label: '1' },
        { line: 2, label: '2' },
      ],
    });
    expect(inspect('a.txt', '__label__1 ok\n1 no label\n')).toMatchObject({ code: 'bad-shape', details: { line: 2 } });
    expect(inspect('a.txt', '__label__1\n')).toMatchObject({ code: 'bad-shape' });
  });

  it('accepts a class-name list with at least one name', () => {
    expect(inspect('classes.txt', 'Company\nEducationalInstitution\n')).toEqual({ accepted: true, format: 'classes', labels: [] });
    expect(inspect('classes.txt', '\n  \n')).toMatchObject({ code: 'no-data' });
  });
});

describe('inspectSample: bytes', () => {
  it('refuses text that is not UTF-8 or holds NUL bytes', () => {
    expect(inspectSample(drop('a.txt'), Uint8Array.from([0x5f, 0xff, 0xfe, 0x0a]), false)).toMatchObject({ code: 'not-utf8' });
    expect(inspect('a.txt', '__label__1 a\u0000b\n')).toMatchObject({ code: 'binary', details: { offset: 12 } });
  });

  it('keeps a multi-byte character cut at the end of a partial sample', () => {
    const bytes = utf8('__label__é text é\n__label__2 é');
    expect(inspectSample(drop('a.txt'), bytes.subarray(0, bytes.length - 1), true)).toMatchObject({ accepted: true });
  });

  it('strips a byte order mark', () => {
    expect(inspect('a.csv', '\uFEFFlabel,text\na,b\n')).toMatchObject({ accepted: true });
  });
});

describe('inspectSample: gzip', () => {
  it('inflates a whole file, and the start of a cut one', () => {
    const gz = gzipSync(Buffer.from(`${DBPEDIA}\n`.repeat(2000)));
    expect(gz.length).toBeGreaterThan(1000);
    expect(inspectSample(drop('a.csv.gz'), gz, false)).toMatchObject({ accepted: true });
    expect(inspectSample(drop('a.csv.gz'), gz.subarray(0, 1000), true)).toMatchObject({ accepted: true });
  });

  it('judges the inflated text', () => {
    expect(inspectSample(drop('a.txt.gz'), gzipSync(Buffer.from('not fasttext\n')), false)).toMatchObject({ code: 'bad-shape' });
  });

  it('inflates less of a sample that would inflate too far', () => {
    const gz = gzipSync(Buffer.from(`__label__a ${'x'.repeat(100)}\n`.repeat(100_000)));
    expect(gz.length).toBeLessThan(SAMPLE_BYTES);
    expect(inspectSample(drop('a.txt.gz'), gz, false)).toMatchObject({ accepted: true });
  });

  it('refuses data that is not gzip, or corrupt gzip', () => {
    expect(inspect('a.csv.gz', '1,t,c\n')).toMatchObject({ code: 'not-gzip' });
    const corrupt = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x03, 0xff, 0xff]);
    expect(inspectSample(drop('a.csv.gz'), corrupt, false)).toMatchObject({ code: 'corrupt-gzip' });
  });
});

describe('parseCsvRecords', () => {
  it('numbers records by their first line and stops at the limit', () => {
    const { records, complete } = parseCsvRecords('a,"b\nc",d\ne,f,g\nh,i,j\n', 2);
    expect(complete).toBe(true);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b\nc', 'd'] },
      { line: 3, fields: ['e', 'f', 'g'] },
    ]);
  });
});
