/**
 * Skewed choices: a Zipf sampler (rank r drawn with weight 1/(r+1)^s, so a few items take most of
 * the draws) and a scatter that maps ranks to item indexes so that the popular items are not all
 * the oldest ones.
 */
import type { Rng } from "./random.js";

export class Zipf {
  private readonly cdf: Float64Array;

  constructor(readonly size: number, exponent: number) {
    if (size < 1) throw new Error(`A Zipf sampler needs at least one item, got ${size}`);
    this.cdf = new Float64Array(size);
    let total = 0;
    for (let r = 0; r < size; r++) {
      total += 1 / Math.pow(r + 1, exponent);
      this.cdf[r] = total;
    }
    for (let r = 0; r < size; r++) this.cdf[r] = (this.cdf[r] as number) / total;
  }

  /** A rank in [0, size): 0 is the most frequent. */
  sample(rng: Rng): number {
    const x = rng.float();
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** A bijection of [0, n) (multiplication by a stride coprime with n) spreading ranks over indexes. */
export function scatter(n: number): (rank: number) => number {
  if (n <= 2) return (rank) => rank;
  let stride = Math.floor(n * 0.6180339887) + 1;
  while (gcd(stride, n) !== 1) stride++;
  return (rank) => (rank * stride + 1) % n;
}
