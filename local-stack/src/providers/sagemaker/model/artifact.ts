/**
 * Model artifacts as SageMaker stores them: `model.tar.gz`, a gzipped ustar archive. A minimal
 * writer (regular files only) and a reader that finds one member, enough for BlazingText's
 * `model.bin`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { constants, createGzip, gunzip } from 'node:zlib';

const BLOCK = 512;
/**
 * Large chunks for zlib and file streams: each chunk is a round trip between the thread pool and
 * the event loop, and with the default 16 KB an 80 MB model takes thousands of them, which crawl
 * while the event loop is busy serving requests.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
const gunzipAsync = promisify(gunzip);

export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new ArtifactError(`tar member name too long: ${name}`);
  const header = Buffer.alloc(BLOCK, 0);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(Math.floor(mtimeSeconds), 12), 136, 'ascii');
  header.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

function padding(size: number): Buffer {
  const remainder = size % BLOCK;
  return Buffer.alloc(remainder === 0 ? 0 : BLOCK - remainder, 0);
}

/**
 * A gzipped tar stream of `files` (member name -> path on disk). Float weights give LZ matching
 * nothing to find, so Huffman coding alone: the same size as deflate level 1 (about 91% of the
 * input), 3x faster (0.8 s instead of 2.8 s for an 80 MB model).
 */
export async function tarGzStream(files: ReadonlyArray<{ name: string; path: string }>): Promise<Readable> {
  const members = await Promise.all(files.map(async (file) => ({ ...file, info: await stat(file.path) })));
  async function* tarBlocks(): AsyncGenerator<Buffer> {
    for (const member of members) {
      yield tarHeader(member.name, member.info.size, member.info.mtimeMs / 1000);
      let written = 0;
      for await (const chunk of createReadStream(member.path, { highWaterMark: CHUNK_BYTES })) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (written !== member.info.size) throw new ArtifactError(`${member.path} changed while archiving`);
      yield padding(written);
    }
    yield Buffer.alloc(BLOCK * 2, 0);
  }
  return Readable.from(tarBlocks()).pipe(createGzip({ level: 1, strategy: constants.Z_HUFFMAN_ONLY, chunkSize: CHUNK_BYTES }));
}

function parseOctal(field: Buffer): number {
  const text = field.toString('ascii').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ArtifactError(`invalid tar header field "${text}"`);
  return parseInt(text, 8);
}

function headerName(header: Buffer): string {
  const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
  const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** Names as tar tools write them (`./model.bin`, `model.bin`) compare equal. */
function sameMember(name: string, wanted: string): boolean {
  return name.replace(/^\.\//, '') === wanted;
}

/** The bytes of member `wanted` in a tar archive (GNU long names and pax headers are understood). */
export function extractTarMember(archive: Buffer, wanted: string): Buffer | undefined {
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return undefined;
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length) throw new ArtifactError('the tar archive is truncated');
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'x' || type === 'g') {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1];
      if (type === 'x' && path !== undefined) longName = path;
      continue;
    }
    const name = longName ?? headerName(header);
    longName = undefined;
    if ((type === '0' || type === '\0') && sameMember(name, wanted)) return data;
  }
  return undefined;
}

/** The `member` file inside a `.tar.gz` held in memory. */
export async function extractFromTarGz(archive: Buffer, member: string): Promise<Buffer> {
  let tar: Buffer;
  try {
    tar = await gunzipAsync(archive, { chunkSize: CHUNK_BYTES });
  } catch (error) {
    throw new ArtifactError(`the model artifact is not a gzip file (${(error as Error).message})`);
  }
  const data = extractTarMember(tar, member);
  if (data === undefined) throw new ArtifactError(`the model artifact has no ${member}`);
  return data;
}
