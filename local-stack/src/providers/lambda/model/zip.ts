/**
 * Unpacks a Lambda deployment package (.zip: stored or deflated entries, as `serverless package`
 * writes them) into a folder. No ZIP64, no encryption; entries may not escape the folder.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

export function extractZip(zipFile: string, destination: string): void {
  const zip = readFileSync(zipFile);
  const end = findEndOfCentralDirectory(zip);
  const entryCount = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  if (offset === 0xffffffff || entryCount === 0xffff) throw new Error(`${zipFile}: ZIP64 archives are not supported`);
  const root = path.resolve(destination);
  mkdirSync(root, { recursive: true });

  for (let index = 0; index < entryCount; index++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY) throw new Error(`${zipFile}: corrupt central directory`);
    const flags = zip.readUInt16LE(offset + 8);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const externalAttributes = zip.readUInt32LE(offset + 38);
    const localHeaderOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;

    if (flags & 0x1) throw new Error(`${zipFile}: encrypted entry ${name} is not supported`);
    const target = path.resolve(root, name);
    if (target !== root && !target.startsWith(root + path.sep)) throw new Error(`${zipFile}: entry ${name} escapes the destination`);
    if (name.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    if (zip.readUInt32LE(localHeaderOffset) !== LOCAL_FILE_HEADER) throw new Error(`${zipFile}: corrupt local header for ${name}`);
    const dataStart = localHeaderOffset + 30 + zip.readUInt16LE(localHeaderOffset + 26) + zip.readUInt16LE(localHeaderOffset + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    let content: Buffer;
    if (method === 0) content = data;
    else if (method === 8) content = inflateRawSync(data);
    else throw new Error(`${zipFile}: compression method ${method} of ${name} is not supported`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    const mode = (externalAttributes >>> 16) & 0o777;
    if (mode) chmodSync(target, mode);
  }
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of up to 64 KiB, at the very end.
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset--) {
    if (zip.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) return offset;
  }
  throw new Error('not a zip file (no end of central directory record)');
}
