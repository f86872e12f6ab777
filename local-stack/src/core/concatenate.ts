/**
 * Streams several sources, one after another, into one destination through a single pipeline.
 *
 * One `pipeline(source, destination, { end: false })` per source leaves that pipeline's error, close,
 * finish and end listeners on the destination: past ten sources (an 11-part multipart upload, a training
 * channel of 11 files) Node prints MaxListenersExceededWarning, and a 10,000-part upload held 40,000.
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Opens a source when its turn comes (so only one is open at a time). */
export type SourceOpener = () => Readable | Promise<Readable>;

export interface ConcatenateOptions {
  /** Ends a source that does not end with a newline with one (text files joined line by line). */
  terminateLines?: boolean;
}

/** Writes every source into `destination` in order, then ends it; rejects (destination destroyed) on any error. */
export async function concatenateInto(destination: Writable, sources: Iterable<SourceOpener>, options: ConcatenateOptions = {}): Promise<void> {
  await pipeline(chunks(sources, options), destination);
}

async function* chunks(sources: Iterable<SourceOpener>, options: ConcatenateOptions): AsyncGenerator<Buffer> {
  for (const open of sources) {
    let lastByte = 0x0a;
    for await (const chunk of await open()) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      if (bytes.length > 0) lastByte = bytes[bytes.length - 1]!;
      yield bytes;
    }
    if (options.terminateLines && lastByte !== 0x0a) yield Buffer.from('\n');
  }
}
