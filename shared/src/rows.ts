import type { RowsSummary } from './events';
import type { PreprocessManifest } from './manifest';

/**
 * What the run made of its rows, from its manifest (glue_scripts/README.md, Output): the figures the run's
 * emails give. Undefined for a manifest that does not count its rows (written before the counts existed).
 */
export function summarizeRows(manifest: PreprocessManifest): RowsSummary | undefined {
  if (manifest.input_rows === undefined) return undefined;
  const lines = manifest.rejection_lines ?? {};
  const rejections = Object.entries(manifest.rejection_reasons ?? {})
    .sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b))
    .map(([reason, count]) => ({ reason, count, lines: (lines[reason] ?? []).map(({ source, line }) => ({ source, line })) }));
  return {
    read: manifest.input_rows,
    kept: manifest.rows.train + manifest.rows.validation + manifest.rows.test,
    duplicates: manifest.duplicate_rows ?? 0,
    rejected: manifest.rejected_rows ?? 0,
    rejections,
    ...(manifest.rejected_uri ? { rejectedList: manifest.rejected_uri } : {}),
  };
}

const count = (n: number): string => n.toLocaleString('en-US');

/** `labeled/a.csv` from `s3://bucket/labeled/a.csv` (the bucket is the run's own). */
const shortSource = (source: string): string => source.replace(/^s3:\/\/[^/]+\//, '');

/**
 * The rows summary as lines of text: `14,000 read: 13,990 kept, 5 duplicates, 5 rejected`, then per reason
 * `malformed_csv 1: labeled/x.csv line 299`, as the emails and the demo show it.
 */
export function describeRows(rows: RowsSummary): { totals: string; rejections: string[] } {
  const totals = `${count(rows.read)} read: ${count(rows.kept)} kept, ${count(rows.duplicates)} duplicate${rows.duplicates === 1 ? '' : 's'}, ${count(rows.rejected)} rejected`;
  const rejections = rows.rejections.map(({ reason, count: n, lines }) => {
    const bySource = new Map<string, number[]>();
    for (const { source, line } of lines) bySource.set(source, [...(bySource.get(source) ?? []), line]);
    const where = [...bySource].map(([source, numbers]) => `${shortSource(source)} line${numbers.length > 1 ? 's' : ''} ${numbers.join(', ')}`);
    const more = n > lines.length ? `, and ${count(n - lines.length)} more` : '';
    return `${reason} ${count(n)}${where.length > 0 ? `: ${where.join('; ')}${more}` : ''}`;
  });
  return { totals, rejections };
}
