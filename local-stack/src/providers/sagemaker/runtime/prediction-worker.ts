/** A prediction worker thread (bundled by esbuild): predicts batches with models shared by the pool. */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { FastTextModel } from '../model/fasttext/model';
import type { FromWorker, ToWorker } from './prediction-protocol';

const models = new Map<number, FastTextModel>();

parentPort?.on('message', (message: ToWorker) => {
  if (message.type === 'release') {
    models.delete(message.modelId);
    return;
  }
  let reply: FromWorker;
  if (message.type === 'parse') {
    try {
      reply = { id: message.id, model: FastTextModel.parse(readFileSync(message.file)).data };
    } catch (error) {
      reply = { id: message.id, error: (error as Error).message };
    }
    parentPort?.postMessage(reply);
    return;
  }
  try {
    let model = models.get(message.modelId);
    if (model === undefined) {
      if (message.model === undefined) throw new Error(`model ${message.modelId} was never sent to this worker`);
      model = new FastTextModel(message.model);
      models.set(message.modelId, model);
    }
    const loaded = model;
    reply = { id: message.id, predictions: message.items.map((item) => loaded.predict(item.text, item.k)) };
  } catch (error) {
    reply = { id: message.id, error: (error as Error).message };
  }
  parentPort?.postMessage(reply);
});
