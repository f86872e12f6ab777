/**
 * A fastText supervised model (`model.bin`, format version 12, as written by fastText 0.1-0.9 and
 * by BlazingText) loaded for prediction in TypeScript. Prediction follows fastText 0.9's CLI
 * (`predict-prob`) step by step in float32 arithmetic: the same tokens (each text is one line, so
 * it ends with the `</s>` token), word n-gram buckets, averaged hidden vector, softmax, and
 * `exp(log(p + 1e-5))` probabilities, so a text gets the labels and probabilities the CLI prints.
 */
import { BinaryReader, ModelFormatError } from './binary-reader';
import { expf } from './expf';
import { FNV_OFFSET as FNV_OFFSET_BINDING, FNV_PRIME as FNV_PRIME_BINDING, forEachWordNgramBucket, hashByteString } from './hashing';
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
const fround = Math.fround;
// Module-local copies: imported bindings compile to property reads (CommonJS), too slow per character.
const FNV_OFFSET = FNV_OFFSET_BINDING;
const FNV_PRIME = FNV_PRIME_BINDING;

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

/**
 * Everything a model is, as plain data: typed arrays over SharedArrayBuffers, so that a model
 * posted to a worker thread is shared, not copied.
 */
export interface ModelData {
  args: ModelArgs;
  nwords: number;
  tokens: number;
  labels: string[];
  /** -1: not pruned; 0: no n-gram bucket kept; > 0: `pruneIndex` maps buckets to rows. */
  pruneIndexSize: number;
  pruneIndex: Array<[number, number]>;
  /** Dictionary entries' bytes, back to back; entry i is `[entryOffsets[i], entryOffsets[i + 1])`. */
  entryBytes: Uint8Array;
  entryOffsets: Int32Array;
  /** fastText's hash of each entry. */
  entryHashes: Int32Array;
  /** Open-addressing table of entry indices keyed by the hash (-1: empty slot), as fastText's own. */
  entryTable: Int32Array;
  input: Float32Array;
  output: Float32Array;
}

function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * 4));
}

function hashTable(hashes: Int32Array): Int32Array {
  let size = 16;
  while (size < hashes.length * 2) size *= 2;
  const table = sharedInt32(size).fill(-1);
  for (let index = 0; index < hashes.length; index++) {
    let slot = hashes[index]! & (size - 1);
    while (table[slot] !== -1) slot = (slot + 1) & (size - 1);
    table[slot] = index;
  }
  return table;
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
  readonly args: ModelArgs;
  readonly nwords: number;
  readonly tokens: number;
  /** Label names (UTF-8), by label index. */
  readonly labels: readonly string[];
  private readonly entryBytes: Uint8Array;
  private readonly entryOffsets: Int32Array;
  private readonly entryHashes: Int32Array;
  private readonly entryTable: Int32Array;
  private readonly input: Float32Array;
  private readonly output: Float32Array;
  private readonly pruneIndexSize: number;
  private readonly pruneIndex: Map<number, number> | undefined;
  private readonly eosIndex: number;
  private readonly subwordCache = new Map<number, readonly number[]>();
  // Scratch space for one prediction at a time (prediction is synchronous).
  private readonly hidden: Float32Array;
  private readonly scores: Float32Array;
  private wordHashes = new Int32Array(256);
  private wordCount = 0;
  private featureCount = 0;

  constructor(readonly data: ModelData) {
    this.args = data.args;
    this.nwords = data.nwords;
    this.tokens = data.tokens;
    this.labels = data.labels;
    this.entryBytes = data.entryBytes;
    this.entryOffsets = data.entryOffsets;
    this.entryHashes = data.entryHashes;
    this.entryTable = data.entryTable;
    this.input = data.input;
    this.output = data.output;
    this.pruneIndexSize = data.pruneIndexSize;
    this.pruneIndex = data.pruneIndexSize > 0 ? new Map(data.pruneIndex) : undefined;
    this.hidden = new Float32Array(data.args.dim);
    this.scores = new Float32Array(data.labels.length);
    this.eosIndex = this.find(EOS, 0, EOS.length, hashByteString(EOS) | 0);
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
    const entries: Buffer[] = new Array<Buffer>(size);
    const labels: string[] = [];
    for (let i = 0; i < size; i++) {
      const entry = reader.cStringBytes('dictionary entry');
      reader.int64('entry count');
      const type = reader.int8('entry type');
      if ((type === ENTRY_LABEL) !== i >= nwords) throw new ModelFormatError('dictionary entries are not words then labels');
      entries[i] = entry;
      if (type === ENTRY_LABEL) labels.push(entry.toString('utf8'));
    }
    const entryOffsets = sharedInt32(size + 1);
    for (let i = 0; i < size; i++) entryOffsets[i + 1] = entryOffsets[i]! + entries[i]!.length;
    const entryBytes = new Uint8Array(new SharedArrayBuffer(entryOffsets[size]!));
    const entryHashes = sharedInt32(size);
    entries.forEach((entry, i) => {
      entryBytes.set(entry, entryOffsets[i]!);
      entryHashes[i] = hashByteString(entry.toString('latin1')) | 0;
    });
    const pruneIndex: Array<[number, number]> = [];
    for (let i = 0; i < pruneIndexSize; i++) pruneIndex.push([reader.int32('prune index key'), reader.int32('prune index value')]);
    if (reader.bool('quantized input flag')) throw new ModelFormatError('quantized models (.ftz) are not supported');
    const input = readMatrix(reader, 'input');
    if (reader.bool('quantized output flag')) throw new ModelFormatError('quantized models (.ftz) are not supported');
    const output = readMatrix(reader, 'output');
    if (input.cols !== args.dim || output.cols !== args.dim || output.rows !== nlabels) {
      throw new ModelFormatError('matrix shapes do not match the model arguments');
    }
    if (input.rows < nwords + (pruneIndexSize < 0 ? args.bucket : 0)) throw new ModelFormatError('input matrix is too small');
    if (reader.remaining !== 0) throw new ModelFormatError(`${reader.remaining} unexpected bytes after the output matrix`);
    return new FastTextModel({
      args,
      nwords,
      tokens,
      labels,
      pruneIndexSize,
      pruneIndex,
      entryBytes,
      entryOffsets,
      entryHashes,
      entryTable: hashTable(entryHashes),
      input: input.values,
      output: output.values,
    });
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
    this.readLine(text, undefined);
    return this.rank(k).map((best) => ({ label: this.labels[best.label]!, prob: best.probability }));
  }

  /**
   * Scores a line in fastText's training format (`__label__x ... text`), as `fasttext test` does;
   * undefined for a line without a known label.
   */
  evaluate(line: string): LineEvaluation | undefined {
    const labels: number[] = [];
    this.readLine(line, labels);
    if (labels.length === 0) return undefined;
    const [best] = this.rank(1);
    if (best === undefined) return undefined;
    return { labels, predicted: best.label };
  }

  /**
   * `Dictionary::getLine` + `Model::computeHidden` in one pass: sums the input rows of the line's
   * features into `hidden`, in fastText's order (each token's rows, `</s>`, then the word n-gram
   * buckets), since float sums depend on the order. Known labels go to `labels` when given.
   */
  private readLine(text: string, labels: number[] | undefined): void {
    this.hidden.fill(0);
    this.featureCount = 0;
    this.wordCount = 0;
    const length = text.length;
    let start = -1;
    let ascii = true;
    let hash = 0;
    for (let i = 0; i <= length; i++) {
      const code = i < length ? text.charCodeAt(i) : 32;
      // fastText's separators (`Dictionary::readWord`): space, \n, \r, \t, \v, \f, \0.
      if (code !== 32 && (code < 9 || code > 13) && code !== 0) {
        if (start < 0) {
          start = i;
          ascii = true;
          hash = FNV_OFFSET;
        }
        if (code >= 0x80) ascii = false;
        // The FNV-1a hash of ASCII tokens, computed while scanning (other tokens are rehashed as UTF-8).
        hash = Math.imul((hash ^ code) >>> 0, FNV_PRIME) >>> 0;
        continue;
      }
      if (start < 0) continue;
      if (ascii) {
        this.readToken(text, start, i, hash | 0, labels);
      } else {
        const bytes = Buffer.from(text.slice(start, i), 'utf8').toString('latin1');
        this.readToken(bytes, 0, bytes.length, hashByteString(bytes) | 0, labels);
      }
      start = -1;
    }
    this.readToken(EOS, 0, EOS.length, hashByteString(EOS) | 0, labels);
    if (this.args.bucket > 0) {
      forEachWordNgramBucket(this.wordHashes, this.wordCount, this.args.wordNgrams, this.args.bucket, (bucket) => this.addBucket(bucket));
    }
  }

  /** The entry index of `source[start, end)` (a byte string) with fastText hash `hash`, or -1. */
  private find(source: string, start: number, end: number, hash: number): number {
    const mask = this.entryTable.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const index = this.entryTable[slot]!;
      if (index === -1) return -1;
      if (this.entryHashes[index] !== hash) continue;
      const entryStart = this.entryOffsets[index]!;
      const length = this.entryOffsets[index + 1]! - entryStart;
      if (length !== end - start) continue;
      let same = true;
      for (let j = 0; j < length && same; j++) same = this.entryBytes[entryStart + j] === source.charCodeAt(start + j);
      if (same) return index;
    }
  }

  /** One token, `source[start, end)` as a byte string with fastText hash `hash`. */
  private readToken(source: string, start: number, end: number, hash: number, labels: number[] | undefined): void {
    const index = this.find(source, start, end, hash);
    if (index >= this.nwords) {
      labels?.push(index - this.nwords);
      return;
    }
    if (index < 0 && source.startsWith(LABEL_PREFIX, start)) return;
    this.pushWordHash(index >= 0 ? this.entryHashes[index]! : hash);
    if (index >= 0 && this.args.maxn <= 0) {
      this.addRow(index);
      return;
    }
    const token = source.slice(start, end);
    if (index < 0) {
      if (token !== EOS) this.addCharNgrams(BEGIN_OF_WORD + token + END_OF_WORD);
    } else {
      for (const row of this.subwordsOf(index, token)) this.addRow(row);
    }
  }

  private pushWordHash(hash: number): void {
    if (this.wordCount === this.wordHashes.length) {
      const grown = new Int32Array(this.wordHashes.length * 2);
      grown.set(this.wordHashes);
      this.wordHashes = grown;
    }
    this.wordHashes[this.wordCount++] = hash;
  }

  private subwordsOf(index: number, token: string): readonly number[] {
    let subwords = this.subwordCache.get(index);
    if (subwords === undefined) {
      const rows = [index];
      if (token !== EOS) this.charNgrams(BEGIN_OF_WORD + token + END_OF_WORD, (bucket) => this.bucketRow(bucket, (row) => rows.push(row)));
      subwords = rows;
      this.subwordCache.set(index, subwords);
    }
    return subwords;
  }

  private addCharNgrams(word: string): void {
    this.charNgrams(word, (bucket) => this.addBucket(bucket));
  }

  /** `Dictionary::computeSubwords` over a byte string: the bucket of each character n-gram. */
  private charNgrams(word: string, visit: (bucket: number) => void): void {
    const isContinuation = (at: number): boolean => (word.charCodeAt(at) & 0xc0) === 0x80;
    for (let i = 0; i < word.length; i++) {
      if (isContinuation(i)) continue;
      let ngram = '';
      for (let j = i, n = 1; j < word.length && n <= this.args.maxn; n++) {
        ngram += word[j++];
        while (j < word.length && isContinuation(j)) ngram += word[j++];
        if (n >= this.args.minn && !(n === 1 && (i === 0 || j === word.length))) visit(hashByteString(ngram) % this.args.bucket);
      }
    }
  }

  /** `Dictionary::pushHash`: the input row of a bucket, through the prune index of pruned models. */
  private bucketRow(bucket: number, visit: (row: number) => void): void {
    if (this.pruneIndexSize === 0) return;
    let id = bucket;
    if (this.pruneIndex !== undefined) {
      const pruned = this.pruneIndex.get(bucket);
      if (pruned === undefined) return;
      id = pruned;
    }
    visit(this.nwords + id);
  }

  private addBucket(bucket: number): void {
    if (this.pruneIndexSize < 0) this.addRow(this.nwords + bucket);
    else this.bucketRow(bucket, (row) => this.addRow(row));
  }

  private addRow(row: number): void {
    const { hidden, input } = this;
    const dim = hidden.length;
    const offset = row * dim;
    for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! + input[offset + j]!;
    this.featureCount += 1;
  }

  /** Averaged hidden vector, softmax and top-k, in float32 as fastText computes them. */
  private rank(k: number): Array<{ label: number; probability: number }> {
    // fastText predicts nothing for a line without any known feature.
    if (this.featureCount === 0) return [];
    const { hidden, scores, output } = this;
    const dim = hidden.length;
    const scale = fround(1 / this.featureCount);
    for (let j = 0; j < dim; j++) hidden[j] = hidden[j]! * scale;

    const labelCount = scores.length;
    for (let i = 0; i < labelCount; i++) {
      const offset = i * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot = fround(dot + fround(output[offset + j]! * hidden[j]!));
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
