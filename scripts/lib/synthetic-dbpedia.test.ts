import { CLASS_NAMES, classesFile, csvLine, generateRows } from './synthetic-dbpedia';

describe('synthetic DBpedia generator', () => {
  it('is deterministic for a seed and different for another', () => {
    const first = [...generateRows({ rows: 50, seed: 7 })];
    expect([...generateRows({ rows: 50, seed: 7 })]).toEqual(first);
    expect([...generateRows({ rows: 50, seed: 8 })]).not.toEqual(first);
  });

  it('writes balanced classes with a small share of wrong labels', () => {
    const rows = [...generateRows({ rows: 14_000, seed: 1, labelNoise: 0.05 })];
    const counts = new Map<number, number>();
    rows.forEach((row) => counts.set(row.label, (counts.get(row.label) ?? 0) + 1));
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(CLASS_NAMES.map((_, i) => i + 1));
    for (const count of counts.values()) expect(count).toBeGreaterThan(900);
    const relabelled = rows.filter((row, i) => row.label !== (i % CLASS_NAMES.length) + 1).length;
    expect(relabelled / rows.length).toBeGreaterThan(0.03);
    expect(relabelled / rows.length).toBeLessThan(0.06);
  });

  it('writes DBpedia-shaped CSV lines and the class names in label order', () => {
    const line = csvLine({ label: 3, title: 'A "quoted" name', content: 'text , here .' });
    expect(line).toBe('"3","A ""quoted"" name","text , here ."\n');
    expect(classesFile().split('\n')[0]).toBe('Company');
    expect(classesFile().trim().split('\n')).toHaveLength(14);
  });
});
