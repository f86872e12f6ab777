/**
 * fastText's hashing, bit for bit: FNV-1a over the token's bytes (each byte sign-extended, as
 * fastText 0.9 does explicitly and 0.1 does on x86), and the word n-gram hash chain, which fastText
 * computes in uint64 arithmetic from sign-extended int32 word hashes.
 */

export const FNV_OFFSET = 2166136261;
export const FNV_PRIME = 16777619;
const NGRAM_MULTIPLIER = 116049371;
const TWO_16 = 65536;
const TWO_32 = 4294967296;
/** Below this, `hi * (2^32 % m)` stays under 2^53 (exact in a double). */
const SMALL_MODULUS = 2 ** 21;

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

/** `x % m` for non-negative integers below 2^53, without the slow floating-point remainder. */
function remainder(x: number, m: number): number {
  const r = x - Math.floor(x / m) * m;
  return r < 0 ? r + m : r >= m ? r - m : r;
}

/** `(hi * 2^32 + lo) % m`, exactly, for m below 2^37 (`twoTo32Mod` is `2^32 % m`). */
function modulo(hi: number, lo: number, m: number, twoTo32Mod: number): number {
  if (m <= SMALL_MODULUS) return remainder(remainder(hi * twoTo32Mod, m) + lo, m);
  const high = remainder(remainder(remainder(hi, m) * TWO_16, m) * TWO_16, m);
  return remainder(high + lo, m);
}

/**
 * Visits the bucket index (before adding `nwords`) of every word n-gram of length 2..`n` over the
 * line's word hashes, in fastText's order (`Dictionary::addWordNgrams`): for each start word, the
 * hash chain `h = h * 116049371 + hash[j]` in uint64 arithmetic over sign-extended int32 hashes,
 * then `h % buckets`. The uint64 is kept as two uint32 halves (no allocation per n-gram).
 */
export function forEachWordNgramBucket(
  wordHashes: Int32Array,
  count: number,
  n: number,
  buckets: number,
  visit: (bucket: number) => void,
): void {
  const twoTo32Mod = TWO_32 % buckets;
  for (let i = 0; i < count; i++) {
    const first = wordHashes[i]!;
    let hi = first < 0 ? 0xffffffff : 0;
    let lo = first >>> 0;
    const end = Math.min(count, i + n);
    for (let j = i + 1; j < end; j++) {
      // lo * multiplier is up to 2^59: split lo into 16-bit halves so every product stays exact.
      const carry = Math.floor(((lo >>> 16) * NGRAM_MULTIPLIER + Math.floor(((lo & 0xffff) * NGRAM_MULTIPLIER) / TWO_16)) / TWO_16);
      const productLo = Math.imul(lo, NGRAM_MULTIPLIER) >>> 0;
      const productHi = (Math.imul(hi, NGRAM_MULTIPLIER) + carry) >>> 0;
      const addend = wordHashes[j]!;
      const sum = productLo + (addend >>> 0);
      lo = sum >>> 0;
      hi = (productHi + (addend < 0 ? 0xffffffff : 0) + (sum >= TWO_32 ? 1 : 0)) >>> 0;
      visit(modulo(hi, lo, buckets, twoTo32Mod));
    }
  }
}
