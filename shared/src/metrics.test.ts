import { classificationMetrics, plainLabel, topConfusions, weakestClasses } from './metrics';

describe('classificationMetrics', () => {
  // 3 labels, 10 rows: a 4 rows (3 right, 1 as b), b 3 rows (1 right, 2 as a), c 3 rows (3 right, plus 0 from others).
  const actual = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'];
  const predicted = ['a', 'a', 'a', 'b', 'b', 'a', 'a', 'c', 'c', 'c'];
  const metrics = classificationMetrics(actual, predicted);

  it('counts true label by predicted label', () => {
    expect(metrics.labels).toEqual(['a', 'b', 'c']);
    expect(metrics.confusion).toEqual([
      [3, 1, 0],
      [2, 1, 0],
      [0, 0, 3],
    ]);
    expect(metrics.rows).toBe(10);
    expect(metrics.accuracy).toBeCloseTo(0.7, 12);
  });

  it('computes precision, recall, F1 and support per label, and their macro-F1', () => {
    // a: predicted 5 times, 3 right (P 0.6), 4 rows (R 0.75); b: predicted 2, 1 right (P 0.5), 3 rows (R 1/3).
    expect(metrics.perClass.a).toEqual({ precision: 0.6, recall: 0.75, f1: expect.closeTo((2 * 0.6 * 0.75) / 1.35, 12), support: 4 });
    expect(metrics.perClass.b!.precision).toBe(0.5);
    expect(metrics.perClass.b!.recall).toBeCloseTo(1 / 3, 12);
    expect(metrics.perClass.b!.f1).toBeCloseTo(0.4, 12);
    expect(metrics.perClass.c).toEqual({ precision: 1, recall: 1, f1: 1, support: 3 });
    expect(metrics.macroF1).toBeCloseTo((2 / 3 + 0.4 + 1) / 3, 12);
  });

  it('keeps the given label order, adds unseen labels after it, and scores a never-predicted label 0', () => {
    const ordered = classificationMetrics(['x', 'y', 'z'], ['x', 'x', 'w'], ['z', 'y', 'x']);
    expect(ordered.labels).toEqual(['z', 'y', 'x', 'w']);
    expect(ordered.perClass.y).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(ordered.perClass.w).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(ordered.confusion[0]).toEqual([0, 0, 0, 1]);
  });

  it('leaves labels only listed (no row has them, none predicted) out of macro-F1', () => {
    const listed = classificationMetrics(actual, predicted, ['a', 'b', 'c', 'other-models-label']);
    expect(listed.perClass['other-models-label']).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(listed.confusion).toHaveLength(4);
    expect(listed.macroF1).toBeCloseTo(metrics.macroF1, 12);
  });

  it('refuses predictions that do not line up with the rows', () => {
    expect(() => classificationMetrics(['a', 'b'], ['a'])).toThrow('2 true labels but 1 predictions');
  });

  it('answers zeros for no rows', () => {
    expect(classificationMetrics([], [])).toEqual({ rows: 0, labels: [], accuracy: 0, macroF1: 0, perClass: {}, confusion: [] });
  });
});

describe('topConfusions and weakestClasses', () => {
  const metrics = classificationMetrics(['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c'], ['b', 'b', 'a', 'a', 'b', 'a', 'b', 'c']);

  it('lists mistakes most frequent first, ties by label', () => {
    expect(topConfusions(metrics)).toEqual([
      { actual: 'a', predicted: 'b', count: 2 },
      { actual: 'b', predicted: 'a', count: 1 },
      { actual: 'c', predicted: 'a', count: 1 },
      { actual: 'c', predicted: 'b', count: 1 },
    ]);
    expect(topConfusions(metrics, 1)).toHaveLength(1);
  });

  it('lists labels by recall, lowest first', () => {
    expect(weakestClasses(metrics.perClass, 2).map((entry) => [entry.label, entry.recall])).toEqual([
      ['a', 1 / 3],
      ['c', 1 / 3],
    ]);
  });
});

it('strips the __label__ prefix only', () => {
  expect(plainLabel('__label__Album')).toBe('Album');
  expect(plainLabel('Album')).toBe('Album');
});
