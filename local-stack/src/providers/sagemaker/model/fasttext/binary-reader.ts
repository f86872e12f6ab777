/** Sequential little-endian reads over a model file, failing with a clear message on truncation. */
export class BinaryReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private take(bytes: number, what: string): number {
    if (this.offset + bytes > this.buffer.length) {
      throw new ModelFormatError(`model file is truncated (reading ${what} at byte ${this.offset})`);
    }
    const at = this.offset;
    this.offset += bytes;
    return at;
  }

  int8(what: string): number {
    return this.buffer.readInt8(this.take(1, what));
  }

  bool(what: string): boolean {
    return this.buffer.readUInt8(this.take(1, what)) !== 0;
  }

  int32(what: string): number {
    return this.buffer.readInt32LE(this.take(4, what));
  }

  int64(what: string): number {
    const value = this.buffer.readBigInt64LE(this.take(8, what));
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ModelFormatError(`${what} is out of range (${value})`);
    }
    return Number(value);
  }

  float64(what: string): number {
    return this.buffer.readDoubleLE(this.take(8, what));
  }

  /** The bytes of a NUL-terminated string (without the NUL), as a view into the file. */
  cStringBytes(what: string): Buffer {
    const end = this.buffer.indexOf(0, this.offset);
    if (end < 0) throw new ModelFormatError(`model file is truncated (reading ${what} at byte ${this.offset})`);
    const bytes = this.buffer.subarray(this.offset, end);
    this.offset = end + 1;
    return bytes;
  }

  /** `count` float32 values, copied into an aligned array over shared memory (for worker threads). */
  float32Array(count: number, what: string): Float32Array {
    const at = this.take(count * 4, what);
    const values = new Float32Array(new SharedArrayBuffer(count * 4));
    new Uint8Array(values.buffer).set(this.buffer.subarray(at, at + count * 4));
    return values;
  }
}

/** The file is not a fastText model this server can load. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}
