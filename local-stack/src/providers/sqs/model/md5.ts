import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from './types';

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * SQS's digest of message attributes: for each attribute, sorted by name, the length-prefixed
 * (4-byte big-endian) name, data type and value, with a transport byte between type and value
 * (1 = string/number, 2 = binary). The SDKs recompute it to check the wire.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const writeLengthPrefixed = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name]!;
    writeLengthPrefixed(Buffer.from(name, 'utf8'));
    writeLengthPrefixed(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      writeLengthPrefixed(Buffer.from(attribute.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      writeLengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}
