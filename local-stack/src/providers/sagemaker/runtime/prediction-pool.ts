/**
 * Worker threads for batched predictions, so a large InvokeEndpoint batch uses every core while
 * the event loop keeps answering other requests. Models reach the workers as shared memory (their
 * arrays live in SharedArrayBuffers): sending one costs no copy. Small requests are predicted on
 * the event loop, where a round trip to a worker would cost more than the prediction.
 */
import { Worker } from 'node:worker_threads';
import type { LocalStackLogger } from '../../../core/logger';
import type { FastTextModel, ModelData, Prediction } from '../model/fasttext/model';
import type { ScriptBundle } from './script-bundle';
import type { FromWorker, PredictItem, ToWorker } from './prediction-protocol';

/** Below this many texts a request is predicted on the event loop. */
export const MIN_POOLED_BATCH = 64;

/** What `prepare` predicts in each worker: enough texts for V8 to optimise the prediction path. */
const WARM_UP_BATCH: PredictItem[] = Array.from({ length: 512 }, (_, i) => ({ text: `warm up text ${i} of the model with a few words ${i % 7}`, k: 1 }));

class PoolWorker {
  private readonly pending = new Map<number, { resolve: (reply: Prediction[][] | ModelData) => void; reject: (error: Error) => void }>();
  private readonly modelsSent = new Set<number>();

  constructor(
    private readonly worker: Worker,
    onExit: (worker: PoolWorker) => void,
  ) {
    worker.on('message', (reply: FromWorker) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve('model' in reply ? reply.model : reply.predictions);
    });
    worker.on('error', () => undefined);
    // An idle pool does not keep the process alive; a pending prediction does.
    worker.on('exit', (code) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`the prediction worker exited (code ${code})`));
      this.pending.clear();
      onExit(this);
    });
    worker.unref();
  }

  predict(id: number, modelId: number, model: FastTextModel, items: PredictItem[]): Promise<Prediction[][]> {
    const message: ToWorker = { type: 'predict', id, modelId, items, ...(this.modelsSent.has(modelId) ? {} : { model: model.data }) };
    this.modelsSent.add(modelId);
    return this.ask(id, message) as Promise<Prediction[][]>;
  }

  parse(id: number, file: string): Promise<ModelData> {
    return this.ask(id, { type: 'parse', id, file }) as Promise<ModelData>;
  }

  private ask(id: number, message: ToWorker): Promise<Prediction[][] | ModelData> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(message);
    });
  }

  release(modelId: number): void {
    if (!this.modelsSent.delete(modelId)) return;
    this.worker.postMessage({ type: 'release', modelId } satisfies ToWorker);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class PredictionPool {
  private workers: PoolWorker[] = [];
  private starting: Promise<void> | undefined;
  private nextRequestId = 1;

  constructor(
    private readonly bundle: ScriptBundle,
    private readonly size: number,
    private readonly logger: LocalStackLogger,
  ) {}

  /** Starts the workers in the background. */
  warm(): void {
    if (this.starting !== undefined || this.size < 2) return;
    this.starting = this.bundle.path().then(
      (script) => {
        this.workers = Array.from({ length: this.size }, () => new PoolWorker(new Worker(script), (gone) => this.forget(gone)));
      },
      (error: unknown) => {
        this.logger.warn('prediction workers unavailable; predicting on the event loop', { error: String(error) });
        this.starting = undefined;
      },
    );
  }

  /**
   * Gets the workers ready for a model about to be used in large batches (a model its training job just
   * wrote, which its evaluation's transform job reads next): starts them, and gives each the model with a
   * small batch, so that the first real batch neither runs on the event loop while they start nor meets
   * cold code in fresh threads. Background work; a failure is the next batch's to report.
   */
  prepare(modelId: number, model: FastTextModel): void {
    this.warm();
    void this.starting
      ?.then(() => Promise.all(this.workers.map((worker) => worker.predict(this.nextRequestId++, modelId, model, WARM_UP_BATCH))))
      .catch(() => undefined);
  }

  /**
   * The model in `file` (a model.bin) as data, parsed by a worker: the event loop keeps serving while it
   * parses. Undefined when the pool runs no workers (the caller parses it itself); a bad file rejects.
   */
  async parse(file: string): Promise<ModelData | undefined> {
    this.warm();
    await this.starting;
    const worker = this.workers[this.nextRequestId % Math.max(1, this.workers.length)];
    return worker?.parse(this.nextRequestId++, file);
  }

  /** Predictions for `items`, split across the workers when the batch is large (waiting for them while they start). */
  async predict(modelId: number, model: FastTextModel, items: readonly PredictItem[]): Promise<Prediction[][]> {
    if (items.length >= MIN_POOLED_BATCH && this.workers.length === 0) {
      this.warm();
      await this.starting;
    }
    const workers = this.workers;
    if (items.length < MIN_POOLED_BATCH || workers.length === 0) {
      return items.map((item) => model.predict(item.text, item.k));
    }
    const chunkSize = Math.ceil(items.length / workers.length);
    const chunks = workers.map((worker, i) => worker.predict(this.nextRequestId++, modelId, model, items.slice(i * chunkSize, (i + 1) * chunkSize)));
    return (await Promise.all(chunks)).flat();
  }

  /** Drops a model the endpoints no longer serve (messages already queued for it are answered first). */
  release(modelId: number): void {
    for (const worker of this.workers) worker.release(modelId);
  }

  async stop(): Promise<void> {
    await this.starting;
    const workers = this.workers;
    this.workers = [];
    this.starting = undefined;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private forget(gone: PoolWorker): void {
    if (!this.workers.includes(gone)) return;
    this.logger.warn('a prediction worker exited; the pool restarts on the next large batch');
    this.workers = this.workers.filter((worker) => worker !== gone);
    if (this.workers.length === 0) this.starting = undefined;
  }
}
