/**
 * Test support for the SageMaker provider (on the stack harness, test/support/stack.ts): small
 * fastText-format splits of the DBpedia sample, S3 helpers, the fastText CLI's predictions, and a
 * bounded wait for a training job to end.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeTrainingJobCommand, type DescribeTrainingJobCommandOutput, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { extractFromTarGz } from '../../local-stack/src/providers/sagemaker/model/artifact';
import { fastTextCli } from '../../scripts/lib/fasttext-cli';
import { normalizeText } from '../../shared/src/normalize';
import { waitFor } from '../support/wait';

export const BLAZINGTEXT_IMAGE = '811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1';
export const ROLE_ARN = 'arn:aws:iam::000000000000:role/sagemaker-local';
/** The DBpedia sample handed to the project, beside the repository (CI clones it with ../shared next to it). */
export const DBPEDIA_CSV = join(__dirname, '..', '..', '..', 'shared', 'data', 'dbpedia_sample', 'train.csv');

const TERMINAL = new Set(['Completed', 'Failed', 'Stopped']);

export function waitForTrainingJob(api: SageMakerClient, name: string, timeoutMs = 120_000): Promise<DescribeTrainingJobCommandOutput> {
  return waitFor(`training job ${name} to end`, async () => {
    const job = await api.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    return TERMINAL.has(job.TrainingJobStatus ?? '') ? job : undefined;
  }, timeoutMs);
}

/** Minimal CSV reader for the DBpedia sample (quoted fields, doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

export interface LabelledText {
  label: string;
  text: string;
}

/** The DBpedia sample, normalised, in a fixed pseudo-random order (same order on every run). */
export function dbpediaExamples(): LabelledText[] {
  const rows = parseCsv(readFileSync(DBPEDIA_CSV, 'utf8'));
  const examples = rows.map(([label, title, content]) => ({ label: label!, text: normalizeText(`${title} ${content}`) }));
  let seed = 42;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = examples.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [examples[i], examples[j]] = [examples[j]!, examples[i]!];
  }
  return examples;
}

export function fastTextLines(examples: readonly LabelledText[]): string {
  return examples.map((example) => `__label__${example.label} ${example.text}\n`).join('');
}

export interface DataSplit {
  train: LabelledText[];
  validation: LabelledText[];
  test: LabelledText[];
}

export function smallSplit(trainRows = 2000, validationRows = 300, testRows = 300): DataSplit {
  const all = dbpediaExamples();
  return {
    train: all.slice(0, trainRows),
    validation: all.slice(trainRows, trainRows + validationRows),
    test: all.slice(trainRows + validationRows, trainRows + validationRows + testRows),
  };
}

export async function putText(s3: S3Client, bucket: string, key: string, body: string | Buffer): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function getObjectBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

/** model.bin out of a model.tar.gz in S3, written to a temporary file for the fastText CLI. */
export async function downloadModelBin(s3: S3Client, s3Uri: string, dir: string): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Uri)!;
  const archive = await getObjectBytes(s3, match[1]!, match[2]!);
  const path = join(dir, `model-${Date.now()}-${Math.random().toString(16).slice(2)}.bin`);
  await writeFile(path, await extractFromTarGz(archive, 'model.bin'));
  return path;
}

/**
 * Runs a command without blocking the event loop: the stack under test is served from the test's own
 * process, and a loop blocked for seconds holds back the server's idle-connection timer until after the
 * next request is sent on that connection (read ECONNRESET). Resolves with its stdout.
 */
export function runAsync(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 1 << 28, encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin?.end(input);
  });
}

/** `fasttext predict-prob` on each text (one per line): labels and probabilities as the CLI prints them. */
export async function cliPredictions(modelPath: string, texts: readonly string[], k: number): Promise<Array<{ label: string[]; prob: number[] }>> {
  const output = await runAsync(fastTextCli(), ['predict-prob', modelPath, '-', String(k)], `${texts.join('\n')}\n`);
  return output
    .trim()
    .split('\n')
    .map((line) => {
      const parts = line.split(' ');
      return {
        label: parts.filter((_, i) => i % 2 === 0),
        prob: parts.filter((_, i) => i % 2 === 1).map(Number),
      };
    });
}

/** A probability as the CLI prints it (6 significant digits). */
export function printed(probability: number): number {
  return Number(probability.toPrecision(6));
}
