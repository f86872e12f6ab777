/**
 * The run's test split (`prepared/<runId>/test/`, fastText format: `__label__<label> <text>` a line) as
 * Batch Transform input for BlazingText (`{"source": "<text>"}` a line, the same order) and as the
 * true labels the predictions are scored against: row i of the input is line i of the split, and line i
 * of each job's `.out` file is its prediction for it.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { evaluationInputKey, findObject, listObjects, preparedPrefix, readText } from '@pipeline/shared';

const LABEL = /^__label__(\S*)$/;

export interface TestRow {
  /** The row's first label, without `__label__` (fastText test-label scores a prediction against all of a row's labels; the pipeline's rows have one). */
  label: string;
  text: string;
}

/** The rows of fastText-format text; lines without a label are not rows (fastText skips them too). */
export function parseTestRows(text: string): TestRow[] {
  const rows: TestRow[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.split(/[ \t\r\v\f]+/).filter((token) => token !== '');
    const labels: string[] = [];
    while (labels.length < tokens.length && LABEL.test(tokens[labels.length]!)) labels.push(LABEL.exec(tokens[labels.length]!)![1]!);
    if (labels.length === 0) continue;
    rows.push({ label: labels[0]!, text: tokens.slice(labels.length).join(' ') });
  }
  return rows;
}

/** BlazingText's batch input: one JSON object with the text as `source` a line. */
export function batchInput(rows: readonly TestRow[]): string {
  return rows.map((row) => `${JSON.stringify({ source: row.text })}\n`).join('');
}

export const testSplitPrefix = (runId: string): string => `${preparedPrefix(runId)}test/`;

/** The run's test rows, every object of its test split in key order. */
export async function readTestRows(s3: S3Client, bucket: string, runId: string): Promise<TestRow[]> {
  const objects = (await listObjects(s3, bucket, testSplitPrefix(runId))).filter((object) => !object.key.endsWith('/'));
  const texts = await Promise.all(objects.map((object) => readText(s3, bucket, object.key)));
  return texts.flatMap(parseTestRows);
}

/** Writes the transform input of the run, unless an earlier delivery did; answers its row count. */
export async function writeBatchInput(s3: S3Client, bucket: string, runId: string): Promise<number> {
  const rows = await readTestRows(s3, bucket, runId);
  const key = evaluationInputKey(runId);
  if (!(await findObject(s3, bucket, key))) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: batchInput(rows), ContentType: 'application/jsonlines' }));
  }
  return rows.length;
}

/** The top label of each line of a BlazingText `.out` file (`{"label": ["__label__x", ...], "prob": [...]}` a line). */
export function parsePredictions(text: string, where: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        throw new Error(`${where} line ${index + 1} is not JSON`);
      }
      const label = (record as { label?: unknown }).label;
      const top = Array.isArray(label) ? label[0] : label;
      if (typeof top !== 'string') throw new Error(`${where} line ${index + 1} has no label`);
      return top.replace(/^__label__/, '');
    });
}
