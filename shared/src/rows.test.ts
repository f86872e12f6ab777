import { parseManifest } from './manifest';
import { describeRows, summarizeRows } from './rows';

const manifest = (extra: Record<string, unknown>) =>
  parseManifest(
    JSON.stringify({
      run_id: 'r1',
      rows: { train: 240, validation: 30, test: 30 },
      labels: {},
      ...extra,
    }),
  );

describe('summarizeRows', () => {
  it('counts kept, duplicate and rejected rows, the reasons most frequent first with their first lines', () => {
    const rows = summarizeRows(
      manifest({
        input_rows: 305,
        duplicate_rows: 2,
        rejected_rows: 3,
        rejection_reasons: { empty_text: 1, malformed_csv: 2 },
        rejection_lines: {
          malformed_csv: [
            { source: 's3://b/labeled/a.csv', line: 299 },
            { source: 's3://b/labeled/b.csv', line: 7 },
          ],
          empty_text: [{ source: 's3://b/labeled/a.csv', line: 12 }],
        },
        rejected_uri: 's3://b/prepared/r1/rejected.jsonl',
      }),
    );
    expect(rows).toEqual({
      read: 305,
      kept: 300,
      duplicates: 2,
      rejected: 3,
      rejections: [
        { reason: 'malformed_csv', count: 2, lines: [{ source: 's3://b/labeled/a.csv', line: 299 }, { source: 's3://b/labeled/b.csv', line: 7 }] },
        { reason: 'empty_text', count: 1, lines: [{ source: 's3://b/labeled/a.csv', line: 12 }] },
      ],
      rejectedList: 's3://b/prepared/r1/rejected.jsonl',
    });
    expect(describeRows(rows!)).toEqual({
      totals: '305 read: 300 kept, 2 duplicates, 3 rejected',
      rejections: ['malformed_csv 2: labeled/a.csv line 299; labeled/b.csv line 7', 'empty_text 1: labeled/a.csv line 12'],
    });
  });

  it('says how many more rows a reason has than its lines name, and is undefined for a manifest without counts', () => {
    const rows = summarizeRows(
      manifest({
        input_rows: 1_300,
        rejected_rows: 1_000,
        rejection_reasons: { unmapped_label: 1_000 },
        rejection_lines: { unmapped_label: [1, 2, 3].map((line) => ({ source: 's3://b/labeled/a.csv', line })) },
      }),
    );
    expect(describeRows(rows!).rejections).toEqual(['unmapped_label 1,000: labeled/a.csv lines 1, 2, 3, and 997 more']);
    expect(describeRows(rows!).totals).toBe('1,300 read: 300 kept, 0 duplicates, 1,000 rejected');
    expect(summarizeRows(manifest({}))).toBeUndefined();
  });
});
