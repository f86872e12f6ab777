/**
 * fastText's hashing, bit for bit: FNV-1a over the token's bytes (each byte sign-extended, as
 * fastText 0.9 does explicitly and 0.1 does on x86), and the word n-gram hash chain, which fastText
 * computes in uint64 arithmetic from sign-extended int32 word hashes.
 */

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;
const NGRAM_MULTIPLIER = 116049371;
const TWO_16 = 65536;
const TWO_32 = 4294967296;

/**
 * Hash of a byte string held as a latin1 JS string (one char per byte), as fastText hashes
 * `std::string`s: the uint32 FNV-1a value.
 */
export function hashByteString(bytes: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) {
    const signExtended = (bytes.charCodeAt(i) << 24) >> 24;
    h = Math.imul((h ^ signExtended) >>> 0, FNV_PRIME) >>> 0;
  }
  return h;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** A JS string's UTF-8 bytes as a latin1 string; ASCII text is returned as is, without copying. */
export function toByteString(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** A uint64 as two uint32 halves. */
interface U64 {
  hi: number;
  lo: number;
}

/** `value` (an int32 word hash) sign-extended to uint64, as `uint64_t h = hashes[i]` does. */
function fromInt32(value: number): U64 {
  return { hi: value < 0 ? 0xffffffff : 0, lo: value >>> 0 };
}

/** `h * multiplier + addend` in uint64 arithmetic, with `addend` a sign-extended int32. */
function multiplyAdd(h: U64, multiplier: number, addend: number): U64 {
  // lo * multiplier is up to 2^59: split lo into 16-bit halves so every product stays exact.
  const loHigh = h.lo >>> 16;
  const loLow = h.lo & 0xffff;
  const carry = Math.floor((loHigh * multiplier + Math.floor((loLow * multiplier) / TWO_16)) / TWO_16);
  let lo = Math.imul(h.lo, multiplier) >>> 0;
  let hi = (Math.imul(h.hi, multiplier) + carry) >>> 0;
  const add = fromInt32(addend);
  const sum = lo + add.lo;
  lo = sum >>> 0;
  hi = (hi + add.hi + (sum >= TWO_32 ? 1 : 0)) >>> 0;
  return { hi, lo };
}

/** `h % modulus` for a uint64 `h` and a positive modulus below 2^37. */
function modulo(h: U64, modulus: number): number {
  let r = h.hi % modulus;
  r = (r * TWO_16) % modulus;
  r = (r * TWO_16) % modulus;
  return (r + h.lo) % modulus;
}

/**
 * The bucket indices (before adding `nwords`) of every word n-gram of length 2..`n` over the
 * line's word hashes, in fastText's order (`Dictionary::addWordNgrams`).
 */
export function wordNgramBuckets(wordHashes: readonly number[], n: number, buckets: number, emit: (bucket: number) => void): void {
  for (let i = 0; i < wordHashes.length; i++) {
    let h = fromInt32(wordHashes[i]! | 0);
    for (let j = i + 1; j < wordHashes.length && j < i + n; j++) {
      h = multiplyAdd(h, NGRAM_MULTIPLIER, wordHashes[j]! | 0);
      emit(modulo(h, buckets));
    }
  }
}
