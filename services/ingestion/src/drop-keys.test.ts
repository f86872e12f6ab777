import { errorReportKey, labeledKey, parseDropKey, rejectedKey } from './drop-keys';

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

  it('keeps one classes.txt: the latest wins', () => {
    expect(labeledKey(parseDropKey('incoming/x/classes.txt')!, '"abc"')).toBe('labeled/classes.txt');
  });

  it('keeps rejected drops under their own path, with the report beside them', () => {
    const rejected = rejectedKey(parseDropKey('incoming/a/photo.jpg')!);
    expect(rejected).toBe('rejected/a/photo.jpg');
    expect(errorReportKey(rejected)).toBe('rejected/a/photo.jpg.error.json');
  });
});
