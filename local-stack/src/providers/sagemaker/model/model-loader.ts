/** Reading BlazingText model artifacts (`model.tar.gz` in S3) for serving: see ModelCache. */
import { open } from 'node:fs/promises';
import type { ObjectStore } from '../../../core/types';
import { parseS3Uri } from './names';

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/** The whole object in one read (a stream would take one event-loop turn per 64 KB chunk). */
export async function readWholeFile(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
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

/** The file holding the artifact's bytes (a new one each time the object is written, as an ETag would be). */
export async function artifactFile(objects: ObjectStore, modelDataUrl: string): Promise<string> {
  try {
    const { bucket, key } = parseS3Uri(modelDataUrl);
    return await objects.objectPath(bucket, key);
  } catch (error) {
    throw new ModelLoadError(`cannot read ${modelDataUrl}: ${(error as Error).message}`);
  }
}
