/**
 * Classification metrics of predictions against true labels, as `fasttext test-label` computes them
 * for one prediction a row (k = 1): per label, precision = correct predictions of the label / rows
 * predicted as it, recall = correct / rows of the label (support), F1 their harmonic mean; a label never
 * predicted has precision 0 (fastText prints "--"), and one without rows has recall 0. Accuracy is the
 * share of rows predicted right; macro-F1 the unweighted mean of the F1 of the labels the rows have or
 * the model predicted.
 */

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Confusion {
  actual: string;
  predicted: string;
  count: number;
}

export interface ClassificationMetrics {
  rows: number;
  /** Every label of the truth or the predictions, sorted: the order of `confusion`'s rows and columns. */
  labels: string[];
  accuracy: number;
  macroF1: number;
  perClass: Record<string, ClassMetrics>;
  /** `confusion[i][j]`: rows of true label `labels[i]` predicted as `labels[j]`. */
  confusion: number[][];
}

const LABEL_PREFIX = '__label__';

/** A label without fastText's `__label__` prefix. */
export function plainLabel(label: string): string {
  return label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label;
}

function f1Of(precision: number, recall: number): number {
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

/**
 * The metrics of `predicted[i]` against `actual[i]`. `labels` fixes the label set and order (a model's
 * labels, say); labels seen in either list but missing there are added, sorted, after them.
 */
export function classificationMetrics(actual: readonly string[], predicted: readonly string[], labels: readonly string[] = []): ClassificationMetrics {
  if (actual.length !== predicted.length) {
    throw new RangeError(`${actual.length} true labels but ${predicted.length} predictions: the rows do not line up`);
  }
  const known = new Set(labels);
  const extra = [...new Set([...actual, ...predicted])].filter((label) => !known.has(label)).sort();
  const order = [...labels, ...extra];
  const index = new Map(order.map((label, i) => [label, i]));
  const confusion = order.map(() => order.map(() => 0));
  let correct = 0;
  for (let row = 0; row < actual.length; row++) {
    const i = index.get(actual[row]!)!;
    const j = index.get(predicted[row]!)!;
    confusion[i]![j]!++;
    if (i === j) correct++;
  }
  const perClass: Record<string, ClassMetrics> = {};
  order.forEach((label, i) => {
    const support = confusion[i]!.reduce((sum, count) => sum + count, 0);
    const predictedAs = confusion.reduce((sum, counts) => sum + counts[i]!, 0);
    const hits = confusion[i]![i]!;
    const precision = predictedAs === 0 ? 0 : hits / predictedAs;
    const recall = support === 0 ? 0 : hits / support;
    perClass[label] = { precision, recall, f1: f1Of(precision, recall), support };
  });
  // Over the labels of these rows and predictions: a label only listed (another model's, say) is no class of this model's.
  const seen = new Set([...actual, ...predicted]);
  const f1s = order.filter((label) => seen.has(label)).map((label) => perClass[label]!.f1);
  return {
    rows: actual.length,
    labels: order,
    accuracy: actual.length === 0 ? 0 : correct / actual.length,
    macroF1: f1s.length === 0 ? 0 : f1s.reduce((sum, f1) => sum + f1, 0) / f1s.length,
    perClass,
    confusion,
  };
}

/** The most frequent mistakes (true label -> predicted label), most first; ties by label. */
export function topConfusions(metrics: Pick<ClassificationMetrics, 'labels' | 'confusion'>, limit = 5): Confusion[] {
  const mistakes: Confusion[] = [];
  metrics.confusion.forEach((counts, i) =>
    counts.forEach((count, j) => {
      if (i !== j && count > 0) mistakes.push({ actual: metrics.labels[i]!, predicted: metrics.labels[j]!, count });
    }),
  );
  mistakes.sort((a, b) => b.count - a.count || a.actual.localeCompare(b.actual) || a.predicted.localeCompare(b.predicted));
  return mistakes.slice(0, limit);
}

/** The labels with rows, lowest recall first (ties: more rows first, then by name). */
export function weakestClasses(perClass: Readonly<Record<string, ClassMetrics>>, limit = 5): Array<{ label: string } & ClassMetrics> {
  return Object.entries(perClass)
    .filter(([, metrics]) => metrics.support > 0)
    .map(([label, metrics]) => ({ label, ...metrics }))
    .sort((a, b) => a.recall - b.recall || b.support - a.support || a.label.localeCompare(b.label))
    .slice(0, limit);
}
