/** Messages between the prediction pool and its worker threads. */
import type { ModelData, Prediction } from '../model/fasttext/model';

export interface PredictItem {
  text: string;
  k: number;
}

export type ToWorker =
  /** `model` is sent the first time a worker sees `modelId` (its arrays are shared memory, not copies). */
  | { type: 'predict'; id: number; modelId: number; model?: ModelData; items: PredictItem[] }
  | { type: 'release'; modelId: number }
  /** Reads and parses a model.bin in the worker, so the event loop does not (an 80 MB model takes it for a third of a second). */
  | { type: 'parse'; id: number; file: string };

export type FromWorker = { id: number; predictions: Prediction[][] } | { id: number; model: ModelData } | { id: number; error: string };
