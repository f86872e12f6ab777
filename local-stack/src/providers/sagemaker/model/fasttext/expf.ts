/**
 * `expf` as glibc computes it (the table-driven algorithm glibc has used since 2.28, in the variant
 * it selects on CPUs with FMA), so that probabilities round exactly as in the fastText CLI.
 * `Math.fround(Math.exp(x))` is correctly rounded, but glibc's `expf` is not always (its error bound
 * is 0.502 ulp): for values close to a float32 midpoint the two differ in the last bit, which shows
 * in the 6th printed digit.
 */

const TABLE_BITS = 5;
const N = 1 << TABLE_BITS;
const INV_LN2_N = 1.4426950408889634 * N; // 0x1.71547652b82fep+0 * N
const SHIFT = 6755399441055744; // 0x1.8p+52: adding it rounds to an integer in the low mantissa bits
const POLY = [0.05550361559341535 / N / N / N, 0.2402284522445722 / N / N, 0.6931471806916203 / N] as const;

const scratch = new Float64Array(1);
const scratchBits = new BigUint64Array(scratch.buffer);
const U64_MASK = (1n << 64n) - 1n;

function bitsOf(value: number): bigint {
  scratch[0] = value;
  return scratchBits[0]!;
}

function fromBits(bits: bigint): number {
  scratchBits[0] = bits & U64_MASK;
  return scratch[0]!;
}

/** The largest integer `r` with `r ** degree <= value`. */
function integerRoot(value: bigint, degree: bigint): bigint {
  let low = 0n;
  let high = 1n << (BigInt(value.toString(2).length) / degree + 1n);
  while (low < high) {
    const middle = (low + high + 1n) >> 1n;
    if (middle ** degree <= value) low = middle;
    else high = middle - 1n;
  }
  return low;
}

/** `asuint64(2^(i/N)) - (i << 52) / N`, with 2^(i/N) correctly rounded (computed exactly in integers). */
function tableEntry(i: number): bigint {
  const extraBits = 8n;
  // 2^(i/N) * 2^(52 + extraBits), truncated; then rounded to the 52-bit mantissa.
  const scaled = integerRoot(1n << (BigInt(i) + BigInt(N) * (52n + extraBits)), BigInt(N));
  const mantissa = (scaled + (1n << (extraBits - 1n))) >> extraBits;
  const bits = (1023n << 52n) + (mantissa - (1n << 52n));
  return (bits - (BigInt(i) << 52n) / BigInt(N)) & U64_MASK;
}

const TABLE: readonly bigint[] = Array.from({ length: N }, (_, i) => tableEntry(i));

const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp)

/** `a * b + c` with a single rounding (fused multiply-add), from an exact two-product. */
function fusedMultiplyAdd(a: number, b: number, c: number): number {
  const product = a * b;
  const aSplit = SPLITTER * a;
  const aHigh = aSplit - (aSplit - a);
  const aLow = a - aHigh;
  const bSplit = SPLITTER * b;
  const bHigh = bSplit - (bSplit - b);
  const bLow = b - bHigh;
  const productError = aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
  const sum = product + c;
  const virtualC = sum - product;
  const sumError = product - (sum - virtualC) + (c - virtualC);
  return sum + (sumError + productError);
}

export function expf(x: number): number {
  const z = INV_LN2_N * Math.fround(x);
  const shifted = z + SHIFT;
  const k = bitsOf(shifted);
  const kd = shifted - SHIFT;
  const r = z - kd;
  const scale = fromBits(TABLE[Number(k % BigInt(N))]! + (k << BigInt(52 - TABLE_BITS)));
  const [c0, c1, c2] = POLY;
  const r2 = r * r;
  const y = fusedMultiplyAdd(fusedMultiplyAdd(c0, r, c1), r2, fusedMultiplyAdd(c2, r, 1));
  return Math.fround(y * scale);
}
