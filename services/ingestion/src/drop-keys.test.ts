import { dropFolder, errorReportKey, isLabeledDataKey, keptClassesKey, labeledKey, parseDropKey, parseKeptClassesKey, rejectedKey, sidecarKey } from './drop-keys';

describe('parseDropKey', () => {
  it('takes a data file key apart, recognising gzip and upper-case extensions', () => {
    expect(parseDropKey('incoming/dbpedia/train.csv')).toEqual({
      key: 'incoming/dbpedia/train.csv',
      relativePath: 'dbpedia/train.csv',
      format: 'csv',
      gzipped: false,
      stem: 'dbpedia/train',
      extension: '.csv',
    });
    expect(parseDropKey('incoming/a.b.JSONL.GZ')).toMatchObject({ format: 'jsonl', gzipped: true, stem: 'a.b', extension: '.jsonl.gz' });
    expect(parseDropKey('incoming/x.txt')).toMatchObject({ format: 'txt', extension: '.txt' });
  });

  it('recognises the class-name mapping anywhere under incoming/', () => {
    expect(parseDropKey('incoming/classes.txt')?.format).toBe('classes');
    expect(parseDropKey('incoming/dbpedia/classes.txt')?.format).toBe('classes');
  });

  it('marks unsupported extensions and refuses what is not a drop', () => {
    expect(parseDropKey('incoming/photo.jpg')).toMatchObject({ format: undefined, extension: '' });
    expect(parseDropKey('incoming/.csv')?.format).toBeUndefined();
    expect(parseDropKey('incoming/archive.gz')?.format).toBeUndefined();
    expect(parseDropKey('incoming/folder/')).toBeUndefined();
    expect(parseDropKey('labeled/train.csv')).toBeUndefined();
  });
});

describe('labeledKey', () => {
  it('puts the first 12 characters of the ETag before the extension', () => {
    const drop = parseDropKey('incoming/dbpedia/train.csv.gz')!;
    expect(labeledKey(drop, '"4af981f98d22a0b9979da24b259e5e42-12"')).toBe('labeled/dbpedia/train.4af981f98d22.csv.gz');
  });

  it('keeps each classes.txt dropped, with its folder, drop time and ETag, and tells kept data from the rest', () => {
    const drop = parseDropKey('incoming/x/classes.txt')!;
    expect(() => labeledKey(drop, '"abc"')).toThrow(/keptClassesKey/);
    const kept = keptClassesKey(dropFolder(drop), new Date('2026-05-15T10:30:00.999Z'), '"0123456789abcdef"');
    expect(kept).toBe('labeled/x/classes.20260515T103000Z.0123456789ab.txt');
    expect(parseKeptClassesKey('x/', kept)).toEqual({ droppedAt: new Date('2026-05-15T10:30:00Z'), etag12: '0123456789ab' });
    expect(parseKeptClassesKey('', kept)).toBeUndefined();
    expect(dropFolder(parseDropKey('incoming/top.csv')!)).toBe('');
    expect(isLabeledDataKey('labeled/x/train.0123456789ab.csv')).toBe(true);
    expect(isLabeledDataKey('labeled/x/train.0123456789ab.csv.gz')).toBe(true);
    for (const other of [kept, 'labeled/classes.txt', 'labeled/x/train.0123456789ab.csv.classes.json', 'labeled/notes.md', 'rejected/a.csv']) {
      expect(isLabeledDataKey(other)).toBe(false);
    }
    expect(sidecarKey('labeled/x/train.0123456789ab.csv')).toBe('labeled/x/train.0123456789ab.csv.classes.json');
  });

  it('keeps rejected drops under their own path, with the report beside them', () => {
    const rejected = rejectedKey(parseDropKey('incoming/a/photo.jpg')!);
    expect(rejected).toBe('rejected/a/photo.jpg');
    expect(errorReportKey(rejected)).toBe('rejected/a/photo.jpg.error.json');
  });
});
