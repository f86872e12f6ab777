/**
 * The TypeScript fastText predictor against the reference, the fastText CLI (`predict-prob`), on
 * models the CLI trains: with and without character n-grams, on normalised DBpedia text and on
 * text with non-ASCII characters and out-of-vocabulary words. Also the model.tar.gz reader/writer.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFromTarGz, extractTarMember, tarGzStream } from '../../local-stack/src/providers/sagemaker/model/artifact';
import { FastTextModel, ModelFormatError } from '../../local-stack/src/providers/sagemaker/model/fasttext/model';
import { fastTextCli, testAccuracy } from '../../scripts/lib/fasttext-cli';
import { cliPredictions, fastTextLines, printed, smallSplit } from './sagemaker-harness';
import { temporaryDirectory } from '../support/temporary-directory';

jest.setTimeout(60_000);

const temp = temporaryDirectory('sagemaker-fasttext');
const scratch = temp.dir;
const split = smallSplit(2000, 0, 400);
const trainFile = join(scratch, 'train.txt');
writeFileSync(trainFile, fastTextLines(split.train));

function trainWithCli(name: string, extraArgs: string[]): string {
  const output = join(scratch, name);
  execFileSync(fastTextCli(), ['supervised', '-input', trainFile, '-output', output, '-dim', '10', '-lr', '0.5', '-epoch', '5', '-thread', '2', '-verbose', '0', ...extraArgs]);
  return `${output}.bin`;
}

const unusualTexts = [
  '',
  'zürich café straße ünïcödé 東京 москва',
  'completely unseen tokens xqzv wvbnm qqqq',
  'the',
  '__label__1 a label token inside the text',
  'tabs\tand  double  spaces',
];

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([
  ['word bigrams (BlazingText supervised)', 'bigrams', ['-wordNgrams', '2', '-bucket', '200000']],
  ['word trigrams, character n-grams', 'subwords', ['-wordNgrams', '3', '-bucket', '100000', '-minn', '2', '-maxn', '4']],
  ['unigrams only', 'unigrams', ['-wordNgrams', '1']],
])('predictions on a model with %s', (_description, name, args) => {
  const modelPath = trainWithCli(name, args);
  const model = FastTextModel.parse(readFileSync(modelPath));
  const texts = [...split.test.map((example) => example.text), ...unusualTexts];

  it.each([1, 3, 14, 20])('equal fasttext predict-prob with k = %i', async (k) => {
    const expected = await cliPredictions(modelPath, texts, k);
    texts.forEach((text, i) => {
      const predictions = model.predict(text, k);
      expect(predictions.map((p) => p.label)).toEqual(expected[i]!.label);
      expect(predictions.map((p) => printed(p.prob))).toEqual(expected[i]!.prob);
    });
  });

  it('gives the accuracy `fasttext test` gives', () => {
    const testFile = join(scratch, `${name}-test.txt`);
    writeFileSync(testFile, fastTextLines(split.test));
    const cliPrecision = testAccuracy(modelPath, testFile);
    const evaluations = split.test.map((example) => model.evaluate(`__label__${example.label} ${example.text}`)!);
    const correct = evaluations.filter((evaluation) => evaluation.labels.includes(evaluation.predicted)).length;
    // The CLI prints P@1 with 3 decimals.
    expect(Math.abs(correct / evaluations.length - cliPrecision)).toBeLessThanOrEqual(0.0005 + 1e-9);
  });
});

describe('model files', () => {
  it('refuses what is not a fastText supervised model', () => {
    expect(() => FastTextModel.parse(Buffer.from('not a model at all'))).toThrow(ModelFormatError);
    const valid = readFileSync(trainWithCli('truncated', ['-wordNgrams', '2', '-bucket', '1000']));
    expect(() => FastTextModel.parse(valid.subarray(0, valid.length - 7))).toThrow(/truncated/);
    expect(() => FastTextModel.parse(Buffer.concat([valid, Buffer.from([0])]))).toThrow(/unexpected bytes/);
  });

  it('round-trips model.tar.gz, and reads archives made by GNU tar', async () => {
    const modelPath = trainWithCli('archived', ['-wordNgrams', '2', '-bucket', '1000']);
    const chunks: Buffer[] = [];
    for await (const chunk of await tarGzStream([{ name: 'model.bin', path: modelPath }])) chunks.push(chunk as Buffer);
    const archive = Buffer.concat(chunks);
    expect(execFileSync('tar', ['-tzf', '-'], { input: archive }).toString().trim()).toBe('model.bin');
    // Buffer.equals: jest's element-wise toEqual takes seconds on a megabyte.
    expect((await extractFromTarGz(archive, 'model.bin')).equals(readFileSync(modelPath))).toBe(true);

    execFileSync('tar', ['-cf', join(scratch, 'gnu.tar'), '-C', scratch, './archived.bin', 'archived.vec']);
    expect(extractTarMember(readFileSync(join(scratch, 'gnu.tar')), 'archived.bin')?.equals(readFileSync(modelPath))).toBe(true);
    await expect(extractFromTarGz(archive, 'other.bin')).rejects.toThrow('the model artifact has no other.bin');
  });
});
