/**
 * A fastText supervised model (`model.bin`, format version 12, as written by fastText 0.1-0.9 and
 * by BlazingText) loaded for prediction in TypeScript. Prediction follows fastText 0.9's CLI
 * (`predict-prob`) step by step in float32 arithmetic: the same tokens (each text is one line, so
 * it ends with the `</s>` token), word n-gram buckets, averaged hidden vector, softmax, and
 * `exp(log(p + 1e-5))` probabilities, so a text gets the labels and probabilities the CLI prints.
 */
import { BinaryReader, ModelFormatError } from './binary-reader';
import { expf } from './expf';
import { hashByteString, toByteString, wordNgramBuckets } from './hashing';
import { topK } from './top-k';

const MAGIC = 793712314;
const SUPPORTED_VERSION = 12;
const LOSS_SOFTMAX = 3;
const MODEL_SUPERVISED = 3;
const ENTRY_LABEL = 1;
const EOS = '</s>';
const LABEL_PREFIX = '__label__';
const BEGIN_OF_WORD = '<';
const END_OF_WORD = '>';
/** fastText's token separators (`Dictionary::readWord`). */
const SEPARATORS = /[ \n\r\t\v\f\0]+/;
const fround = Math.fround;

export interface Prediction {
  label: string;
  prob: number;
}

export interface ModelArgs {
  dim: number;
  epoch: number;
  minCount: number;
  wordNgrams: number;
  loss: number;
  model: number;
  bucket: number;
  minn: number;
  maxn: number;
}

export interface ModelSummary {
  dim: number;
  words: number;
  labels: number;
  tokens: number;
  wordNgrams: number;
  buckets: number;
  epochs: number;
}

/** A labelled line scored against the model (for validation accuracy). */
export interface LineEvaluation {
  labels: number[];
  predicted: number;
}

function readArgs(reader: BinaryReader): ModelArgs {
  const dim = reader.int32('dim');
  reader.int32('ws');
  const epoch = reader.int32('epoch');
  const minCount = reader.int32('minCount');
  reader.int32('neg');
  const wordNgrams = reader.int32('wordNgrams');
  const loss = reader.int32('loss');
  const model = reader.int32('model');
  const bucket = reader.int32('bucket');
  const minn = reader.int32('minn');
  const maxn = reader.int32('maxn');
  reader.int32('lrUpdateRate');
  reader.float64('t');
  return { dim, epoch, minCount, wordNgrams, loss, model, bucket, minn, maxn };
}

function readMatrix(reader: BinaryReader, what: string): { rows: number; cols: number; values: Float32Array } {
  const rows = reader.int64(`${what} rows`);
  const cols = reader.int64(`${what} columns`);
  if (rows < 0 || cols <= 0) throw new ModelFormatError(`${what} matrix has an invalid shape ${rows}x${cols}`);
  return { rows, cols, values: reader.float32Array(rows * cols, `${what} matrix`) };
}

export class FastTextModel {
  /** Dictionary entry index by token bytes (latin1); entries below `nwords` are words, the rest labels. */
  private readonly entryIndex: Map<string, number>;
  private readonly subwordCache = new Map<number, readonly number[]>();

  private constructor(
    readonly args: ModelArgs,
    private readonly entries: readonly string[],
    readonly nwords: number,
    readonly tokens: number,
    private readonly pruneIndex: Map<number, number> | undefined,
    private readonly pruneIndexSize: number,
    private readonly input: Float32Array,
    private readonly output: Float32Array,
    /** Label names (UTF-8), by label index. */
    readonly labels: readonly string[],
  ) {
    this.entryIndex = new Map(entries.map((entry, index) => [entry, index]));
  }

  static parse(buffer: Buffer): FastTextModel {
    const reader = new BinaryReader(buffer);
    if (reader.remaining < 8 || reader.int32('magic') !== MAGIC) {
      throw new ModelFormatError('not a fastText model (wrong magic number)');
    }
    const version = reader.int32('version');
    if (version !== SUPPORTED_VERSION) throw new ModelFormatError(`unsupported fastText model version ${version}`);
    const args = readArgs(reader);
    if (args.model !== MODEL_SUPERVISED) throw new ModelFormatError('not a supervised (text classification) model');
    if (args.loss !== LOSS_SOFTMAX) throw new ModelFormatError(`unsupported loss function ${args.loss} (only softmax models are served)`);

    const size = reader.int32('dictionary size');
    const nwords = reader.int32('word count');
    const nlabels = reader.int32('label count');
    const tokens = reader.int64('token count');
    const pruneIndexSize = reader.int64('prune index size');
    if (size < 0 || nwords < 0 || nlabels <= 0 || nwords + nlabels !== size) {
      throw new ModelFormatError(`inconsistent dictionary (${size} entries, ${nwords} words, ${nlabels} labels)`);
    }
    const entries: string[] = new Array<string>(size);
    const labels: string[] = [];
    for (let i = 0; i < size; i++) {
      const entry = reader.cString('dictionary entry');
      reader.int64('entry count');
      const type = reader.int8('entry type');
      if ((type === ENTRY_LABEL) !== i >= nwords) throw new ModelFormatError('dictionary entries are not words then labels');
      entries[i] = entry;
      if (type === ENTRY_LABEL) labels.push(Buffer.from(entry, 'latin1').toString('utf8'));
    }
    let pruneIndex: Map<number, number> | undefined;
    if (pruneIndexSize > 0) {
      pruneIndex = new Map();
      for (let i = 0; i < pruneIndexSize; i++) pruneIndex.set(reader.int32('prune index key'), reader.int32('prune index value'));
    }
    if (reader.bool('quantized input flag')) throw new ModelFormatError('quantized models (.ftz) are not supported');
    const input = readMatrix(reader, 'input');
    if (reader.bool('quantized output flag')) throw new ModelFormatError('quantized models (.ftz) are not supported');
    const output = readMatrix(reader, 'output');
    if (input.cols !== args.dim || output.cols !== args.dim || output.rows !== nlabels) {
      throw new ModelFormatError('matrix shapes do not match the model arguments');
    }
    if (input.rows < nwords + (pruneIndexSize < 0 ? args.bucket : 0)) throw new ModelFormatError('input matrix is too small');
    if (reader.remaining !== 0) throw new ModelFormatError(`${reader.remaining} unexpected bytes after the output matrix`);
    return new FastTextModel(args, entries, nwords, tokens, pruneIndex, pruneIndexSize, input.values, output.values, labels);
  }

  get summary(): ModelSummary {
    return {
      dim: this.args.dim,
      words: this.nwords,
      labels: this.labels.length,
      tokens: this.tokens,
      wordNgrams: this.args.wordNgrams,
      buckets: this.args.bucket,
      epochs: this.args.epoch,
    };
  }

  /** The `k` most likely labels for one text (one line), as `fasttext predict-prob` gives them. */
  predict(text: string, k: number): Prediction[] {
    if (!Number.isInteger(k) || k < 1) throw new RangeError('k needs to be 1 or higher');
    const { features } = this.lineFeatures(text);
    return this.rank(features, k).map((best) => ({ label: this.labels[best.label]!, prob: best.probability }));
  }

  /**
   * Scores a line in fastText's training format (`__label__x ... text`), as `fasttext test` does;
   * undefined for a line without a known label.
   */
  evaluate(line: string): LineEvaluation | undefined {
    const { features, labels } = this.lineFeatures(line);
    if (labels.length === 0) return undefined;
    const [best] = this.rank(features, 1);
    if (best === undefined) return undefined;
    return { labels, predicted: best.label };
  }

  /** Input-matrix rows of a line and its known labels (`Dictionary::getLine`). */
  private lineFeatures(text: string): { features: number[]; labels: number[] } {
    const features: number[] = [];
    const labels: number[] = [];
    const wordHashes: number[] = [];
    const addToken = (token: string): void => {
      const hash = hashByteString(token);
      const index = this.entryIndex.get(token) ?? -1;
      const isLabel = index < 0 ? token.startsWith(LABEL_PREFIX) : index >= this.nwords;
      if (!isLabel) {
        this.addSubwords(features, token, index);
        wordHashes.push(hash | 0);
      } else if (index >= 0) {
        labels.push(index - this.nwords);
      }
    };
    for (const token of text.split(SEPARATORS)) {
      if (token !== '') addToken(toByteString(token));
    }
    addToken(EOS);
    if (this.args.bucket > 0) {
      wordNgramBuckets(wordHashes, this.args.wordNgrams, this.args.bucket, (bucket) => this.pushBucket(features, bucket));
    }
    return { features, labels };
  }

  private addSubwords(features: number[], token: string, index: number): void {
    if (index < 0) {
      if (token !== EOS) this.charNgrams(BEGIN_OF_WORD + token + END_OF_WORD, features);
    } else if (this.args.maxn <= 0) {
      features.push(index);
    } else {
      let subwords = this.subwordCache.get(index);
      if (subwords === undefined) {
        const computed = [index];
        if (token !== EOS) this.charNgrams(BEGIN_OF_WORD + token + END_OF_WORD, computed);
        subwords = computed;
        this.subwordCache.set(index, subwords);
      }
      for (const row of subwords) features.push(row);
    }
  }

  /** `Dictionary::computeSubwords` over a byte string. */
  private charNgrams(word: string, features: number[]): void {
    const isContinuation = (at: number): boolean => (word.charCodeAt(at) & 0xc0) === 0x80;
    for (let i = 0; i < word.length; i++) {
      if (isContinuation(i)) continue;
      let ngram = '';
      for (let j = i, n = 1; j < word.length && n <= this.args.maxn; n++) {
        ngram += word[j++];
        while (j < word.length && isContinuation(j)) ngram += word[j++];
        if (n >= this.args.minn && !(n === 1 && (i === 0 || j === word.length))) {
          this.pushBucket(features, hashByteString(ngram) % this.args.bucket);
        }
      }
    }
  }

  private pushBucket(features: number[], bucket: number): void {
    if (this.pruneIndexSize === 0) return;
    let id = bucket;
    if (this.pruneIndex !== undefined) {
      const pruned = this.pruneIndex.get(bucket);
      if (pruned === undefined) return;
      id = pruned;
    }
    features.push(this.nwords + id);
  }

  /** Hidden vector, softmax and top-k, in float32 as fastText computes them. */
  private rank(features: readonly number[], k: number): Array<{ label: number; probability: number }> {
    // fastText predicts nothing for a line without any known feature.
    if (features.length === 0) return [];
    const dim = this.args.dim;
    const hidden = new Float32Array(dim);
    for (const row of features) {
      const offset = row * dim;
      for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! + this.input[offset + j]!;
    }
    const scale = fround(1 / features.length);
    for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! * scale;

    const labelCount = this.labels.length;
    const scores = new Float32Array(labelCount);
    for (let i = 0; i < labelCount; i++) {
      const offset = i * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot = fround(dot + fround(this.output[offset + j]! * hidden[j]!));
      if (Number.isNaN(dot)) throw new Error('the model produced NaN (corrupt weights)');
      scores[i] = dot;
    }
    let max = scores[0]!;
    for (let i = 0; i < labelCount; i++) max = Math.max(scores[i]!, max);
    let z = 0;
    for (let i = 0; i < labelCount; i++) {
      // loss.cc's unqualified `exp` here is the double one; the final probabilities use expf.
      scores[i] = Math.exp(fround(scores[i]! - max));
      z = fround(z + scores[i]!);
    }
    for (let i = 0; i < labelCount; i++) scores[i] = scores[i]! / z;

    return topK(scores, k, 0, (probability) => fround(Math.log(probability + 1e-5))).map((best) => ({
      label: best.label,
      probability: expf(best.score),
    }));
  }
}

export { ModelFormatError };
