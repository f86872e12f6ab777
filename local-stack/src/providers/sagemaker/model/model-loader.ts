/** Loads a BlazingText model for serving: `model.tar.gz` from S3 -> `model.bin` -> FastTextModel. */
import { open } from 'node:fs/promises';
import type { ObjectStore } from '../../../core/types';
import { extractFromTarGz } from './artifact';
import { FastTextModel } from './fasttext/model';
import { parseS3Uri } from './names';

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/** The whole object in one read (a stream would take one event-loop turn per 64 KB chunk). */
async function readObjectFile(objects: ObjectStore, bucket: string, key: string): Promise<Buffer> {
  const handle = await open(await objects.objectPath(bucket, key), 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
      if (bytesRead === 0) throw new Error('the object changed while it was read');
      offset += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

export async function loadBlazingTextModel(objects: ObjectStore, modelDataUrl: string): Promise<FastTextModel> {
  let archive: Buffer;
  try {
    const { bucket, key } = parseS3Uri(modelDataUrl);
    archive = await readObjectFile(objects, bucket, key);
  } catch (error) {
    throw new ModelLoadError(`cannot read ${modelDataUrl}: ${(error as Error).message}`);
  }
  try {
    return FastTextModel.parse(await extractFromTarGz(archive, 'model.bin'));
  } catch (error) {
    throw new ModelLoadError(`${modelDataUrl} does not hold a usable BlazingText model: ${(error as Error).message}`);
  }
}
