/**
 * Downloads a URL to a file the way wget would for the original workflow, with what a long download
 * needs: redirects followed, progress, a clear error (HTTP status, or the network error and what it
 * likely means), and nothing half-written left under the final name (it is written to `<file>.part`
 * and renamed once the body is complete).
 */
import { createWriteStream, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export interface DownloadProgress {
  bytes: number;
  /** From Content-Length; undefined when the server does not say. */
  totalBytes: number | undefined;
}

export interface DownloadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  maxRedirects?: number;
  /** Idle time without a byte before giving up. */
  idleTimeoutMs?: number;
}

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function get(url: URL, idleTimeoutMs: number): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new DownloadError(`cannot download ${url.href}: only http and https URLs are supported`));
  return new Promise((resolve, reject) => {
    const request = client.get(url, { headers: { 'user-agent': 'ml-pipeline-demo' } }, resolve);
    request.setTimeout(idleTimeoutMs, () => request.destroy(new Error(`no data for ${idleTimeoutMs / 1000} s`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      const hint = ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH'].includes(error.code ?? '') ? ' (is this machine offline?)' : '';
      reject(new DownloadError(`cannot download ${url.href}: ${error.message}${hint}`));
    });
  });
}

/** Downloads `url` to `file`; resolves with the number of bytes written. */
export async function download(url: string, file: string, options: DownloadOptions = {}): Promise<number> {
  const { onProgress, maxRedirects = 5, idleTimeoutMs = 60_000 } = options;
  let target = new URL(url);
  let response = await get(target, idleTimeoutMs);
  for (let redirects = 0; REDIRECTS.has(response.statusCode ?? 0); redirects++) {
    response.resume();
    const location = response.headers.location;
    if (!location || redirects >= maxRedirects) {
      throw new DownloadError(`cannot download ${url}: ${location ? `more than ${maxRedirects} redirects` : `HTTP ${response.statusCode} without a Location`}`);
    }
    target = new URL(location, target);
    response = await get(target, idleTimeoutMs);
  }
  if (response.statusCode !== 200) {
    response.resume();
    throw new DownloadError(`cannot download ${target.href}: HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trim());
  }
  const length = response.headers['content-length'];
  const totalBytes = length === undefined ? undefined : Number(length);
  const partial = `${file}.part`;
  mkdirSync(path.dirname(file), { recursive: true });
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onProgress?.({ bytes, totalBytes });
      done(null, chunk);
    },
  });
  try {
    // A connection cut mid-body ends the response with 'aborted'/'error': pipeline rejects.
    // Opened here, not by the stream: a stream opens its file asynchronously, so a response that fails at once
    // would reject the pipeline before the open, and the file would appear after the cleanup below.
    await pipeline(response, counter, createWriteStream(partial, { fd: openSync(partial, 'w') }));
    if (!response.complete || (totalBytes !== undefined && bytes !== totalBytes)) {
      throw new Error(`the connection closed after ${bytes} of ${totalBytes ?? 'unknown'} bytes`);
    }
  } catch (error) {
    rmSync(partial, { force: true });
    throw error instanceof DownloadError ? error : new DownloadError(`cannot download ${target.href}: ${(error as Error).message}`);
  }
  renameSync(partial, file);
  return bytes;
}
