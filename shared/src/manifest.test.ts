import { parseManifest } from './manifest';
import { parseS3Uri, s3Uri } from './s3-uri';

describe('parseManifest', () => {
  const manifest = {
    run_id: 'r1',
    input_rows: 3,
    rows: { train: 2, validation: 1, test: 0 },
    labels: { a: { train: 1, validation: 1, test: 0 }, b: { train: 1, validation: 0, test: 0 } },
    sources: [{ uri: 's3://b/labeled/x.csv', size: 10, etag: 'e', rows: 3, rejected: 0 }],
    skipped_sources: [],
  };

  it('parses what the Glue job writes, keeping unknown fields', () => {
    expect(parseManifest(JSON.stringify(manifest))).toMatchObject({ ...manifest, skipped_sources: [] });
    const { sources: _sources, ...withoutSources } = manifest;
    expect(parseManifest(JSON.stringify(withoutSources)).sources).toEqual([]);
  });

  it('names what is wrong', () => {
    expect(() => parseManifest('{')).toThrow(/manifest is not JSON/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, rows: { train: -1 } }))).toThrow(/unexpected shape: rows.train/);
  });
});

describe('s3 URIs', () => {
  it('round-trips bucket and key', () => {
    expect(parseS3Uri(s3Uri('b', 'prepared/r1/'))).toEqual({ bucket: 'b', key: 'prepared/r1/' });
    expect(parseS3Uri('s3://b')).toEqual({ bucket: 'b', key: '' });
    expect(() => parseS3Uri('https://b/k')).toThrow(/not an s3:\/\/ URI/);
  });
});
