// Resource quantities as k8s.io/apimachinery/pkg/api/resource reads them:
// "100m", "0.5", "128Mi", "1G", "2Ki", "1e3", "-2". The scheduler needs two
// views of a quantity: Value() (rounded up to a whole unit: bytes, pods,
// devices) and MilliValue() (rounded up to thousandths: CPU millicores).
//
// Parsing is exact: the number is kept as a fraction of BigInts until it is
// rounded, so "0.1" is 100 millicores and not 100.00000000000001.

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([a-zA-Z]*|[eE][+-]?[0-9]+)$/;

export interface ParsedQuantity {
  /** The exact value is numerator / denominator (denominator > 0). */
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export class QuantityError extends Error {
  constructor(readonly input: string) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    this.name = 'QuantityError';
  }
}

/** Parse a quantity; throws QuantityError when it is not one. */
export function parseQuantity(input: string | number): ParsedQuantity {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new QuantityError(String(input));
    input = String(input);
  }
  const s = input.trim();
  const m = QUANTITY_RE.exec(s);
  if (!m) throw new QuantityError(input);
  const [, sign, whole, frac = '', suffix] = m;
  if (whole === '' && frac === '') throw new QuantityError(input);
  let numerator = BigInt((whole || '0') + frac);
  let denominator = 10n ** BigInt(frac.length);
  let exp10 = 0;
  let exp2 = 0;
  if (suffix in DECIMAL_SUFFIX) exp10 = DECIMAL_SUFFIX[suffix];
  else if (suffix in BINARY_SUFFIX) exp2 = BINARY_SUFFIX[suffix];
  else if (/^[eE][+-]?[0-9]+$/.test(suffix)) exp10 = Number(suffix.slice(1));
  else throw new QuantityError(input);
  if (Math.abs(exp10) > 1000) throw new QuantityError(input);
  if (exp10 >= 0) numerator *= 10n ** BigInt(exp10);
  else denominator *= 10n ** BigInt(-exp10);
  numerator *= 1n << BigInt(exp2);
  if (sign === '-') numerator = -numerator;
  return { numerator, denominator };
}

/** Ceiling division for a positive denominator. */
function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d; // truncates toward zero
  return n > 0n && q * d !== n ? q + 1n : q;
}

function toNumber(v: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (v > max) return Number.MAX_SAFE_INTEGER;
  if (v < -max) return -Number.MAX_SAFE_INTEGER;
  return Number(v);
}

/** The value rounded up to a whole unit (Quantity.Value()). */
export function quantityValue(input: string | number): number {
  const q = parseQuantity(input);
  return toNumber(ceilDiv(q.numerator, q.denominator));
}

/** The value in thousandths, rounded up (Quantity.MilliValue()). */
export function quantityMilliValue(input: string | number): number {
  const q = parseQuantity(input);
  return toNumber(ceilDiv(q.numerator * 1000n, q.denominator));
}

/** Like quantityValue, but 0 for a missing or malformed quantity (never throws). */
export function safeValue(input: string | number | undefined | null): number {
  if (input === undefined || input === null || input === '') return 0;
  try {
    return quantityValue(input);
  } catch {
    return 0;
  }
}

/** Like quantityMilliValue, but 0 for a missing or malformed quantity (never throws). */
export function safeMilliValue(input: string | number | undefined | null): number {
  if (input === undefined || input === null || input === '') return 0;
  try {
    return quantityMilliValue(input);
  } catch {
    return 0;
  }
}
