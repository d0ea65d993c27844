// Integer helpers for tree sizes up to Number.MAX_SAFE_INTEGER. JavaScript bit operators
// truncate to 32 bits, so everything here uses division instead.

export function isNonNegativeSafeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

export function assertNonNegativeSafeInteger(name: string, value: number): void {
  if (!isNonNegativeSafeInteger(value)) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}

/** The largest power of two strictly below n (n > 1), and its base-2 logarithm. */
export function largestPowerOfTwoBelow(n: number): { k: number; level: number } {
  let k = 1;
  let level = 0;
  while (k * 2 < n) {
    k *= 2;
    level++;
  }
  return { k, level };
}

/** Number of trailing zero bits of a positive integer. */
export function trailingZeros(n: number): number {
  let zeros = 0;
  while (n > 0 && n % 2 === 0) {
    n /= 2;
    zeros++;
  }
  return zeros;
}

/** floor(n / 2^shift) for non-negative n. */
export function shiftRight(n: number, shift: number): number {
  return Math.floor(n / 2 ** shift);
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}
