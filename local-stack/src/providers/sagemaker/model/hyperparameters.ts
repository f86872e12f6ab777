/**
 * BlazingText's supervised (text classification) hyperparameters, validated as the algorithm does
 * when the job starts: a bad value fails the job with a `ClientError` naming the hyperparameter.
 * See "BlazingText Hyperparameters" in the SageMaker developer guide for names, ranges, defaults.
 */

/** A problem with the job's input that fails it as a `ClientError` (the user's to fix). */
export class ClientError extends Error {
  override readonly name = 'ClientError';

  get failureReason(): string {
    return `ClientError: ${this.message}`;
  }
}

export interface SupervisedSettings {
  epochs: number;
  learningRate: number;
  minCount: number;
  vectorDim: number;
  wordNgrams: number;
  buckets: number;
  /** Present when early_stopping is True. */
  earlyStopping?: { minEpochs: number; patience: number };
}

type Kind = 'positive integer' | 'non-negative integer' | 'positive float' | 'boolean';

interface Spec {
  kind: Kind;
  default: string;
}

const SUPERVISED: Readonly<Record<string, Spec>> = {
  buckets: { kind: 'positive integer', default: '2000000' },
  early_stopping: { kind: 'boolean', default: 'False' },
  epochs: { kind: 'positive integer', default: '5' },
  learning_rate: { kind: 'positive float', default: '0.05' },
  min_count: { kind: 'non-negative integer', default: '5' },
  min_epochs: { kind: 'positive integer', default: '5' },
  patience: { kind: 'positive integer', default: '4' },
  vector_dim: { kind: 'positive integer', default: '100' },
  word_ngrams: { kind: 'positive integer', default: '2' },
};

/** BlazingText's documented defaults for supervised mode, by hyperparameter name. */
export const SUPERVISED_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(SUPERVISED).map(([name, spec]) => [name, spec.default]));

const WORD2VEC_MODES = new Set(['batch_skipgram', 'skipgram', 'cbow']);
const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function invalid(name: string, raw: string, kind: Kind): ClientError {
  return new ClientError(`Invalid value for hyperparameter '${name}': '${raw}' (expected a ${kind})`);
}

function parseValue(name: string, raw: string, kind: Kind): number | boolean {
  const text = raw.trim();
  switch (kind) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw invalid(name, raw, kind);
    }
    case 'positive float': {
      const value = Number(text);
      if (!FLOAT.test(text) || !Number.isFinite(value) || value <= 0) throw invalid(name, raw, kind);
      return value;
    }
    default: {
      const value = Number(text);
      const minimum = kind === 'positive integer' ? 1 : 0;
      if (!INTEGER.test(text) || !Number.isSafeInteger(value) || value < minimum || value > 2 ** 31 - 1) {
        throw invalid(name, raw, kind);
      }
      return value;
    }
  }
}

/** Validates the HyperParameters map of a BlazingText job; `hasValidationChannel` matters for early stopping. */
export function parseSupervisedHyperparameters(
  hyperparameters: Readonly<Record<string, string>>,
  hasValidationChannel: boolean,
): SupervisedSettings {
  const mode = hyperparameters.mode;
  if (mode === undefined) throw new ClientError("Missing required hyperparameter 'mode' (valid value: supervised)");
  if (mode !== 'supervised') {
    if (WORD2VEC_MODES.has(mode)) {
      throw new ClientError(`Hyperparameter 'mode' is '${mode}': the local BlazingText implements text classification (mode supervised) only`);
    }
    throw new ClientError(`Invalid value for hyperparameter 'mode': '${mode}' (valid value: supervised)`);
  }
  const unexpected = Object.keys(hyperparameters).filter((name) => name !== 'mode' && !Object.hasOwn(SUPERVISED, name));
  if (unexpected.length > 0) {
    throw new ClientError(
      `Additional hyperparameters are not allowed in supervised mode (${unexpected.map((name) => `'${name}'`).join(', ')} ${unexpected.length === 1 ? 'was' : 'were'} unexpected)`,
    );
  }
  const value = (name: string): number | boolean => {
    const spec = SUPERVISED[name]!;
    return parseValue(name, hyperparameters[name] ?? spec.default, spec.kind);
  };
  const settings: SupervisedSettings = {
    epochs: value('epochs') as number,
    learningRate: value('learning_rate') as number,
    minCount: value('min_count') as number,
    vectorDim: value('vector_dim') as number,
    wordNgrams: value('word_ngrams') as number,
    buckets: value('buckets') as number,
  };
  const minEpochs = value('min_epochs') as number;
  const patience = value('patience') as number;
  if (value('early_stopping') === true) {
    if (!hasValidationChannel) {
      throw new ClientError("Hyperparameter 'early_stopping' is True but there is no validation channel: early stopping needs one");
    }
    settings.earlyStopping = { minEpochs, patience };
  }
  return settings;
}
