// Resource quantities as the node agent needs them ("100m", "0.5", "128Mi",
// "1G", "1e3"): bytes and millicores for the runtime, and the downward API's
// value / divisor (rounded up, as kubelet's ExtractContainerResourceValue).

const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const QUANTITY_RE = /^([+-]?[0-9]*(?:\.[0-9]*)?)([a-zA-Z]*|[eE][+-]?[0-9]+)$/;

/** The value of a quantity as a float; throws on a malformed one. */
export function quantityValue(input: string | number): number {
  if (typeof input === 'number') return input;
  const s = input.trim();
  const m = QUANTITY_RE.exec(s);
  if (!m || m[1] === '' || m[1] === '.' || m[1] === '+' || m[1] === '-') throw new Error(`invalid quantity "${input}"`);
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix in DECIMAL) return n * DECIMAL[suffix];
  if (suffix in BINARY) return n * BINARY[suffix];
  if (/^[eE][+-]?[0-9]+$/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  throw new Error(`invalid quantity "${input}"`);
}

/** Whole bytes (rounded up). */
export function quantityBytes(input: string | number): number {
  return Math.ceil(quantityValue(input) - 1e-9);
}

/** Millicores (rounded up). */
export function quantityMillis(input: string | number): number {
  return Math.ceil(quantityValue(input) * 1000 - 1e-6);
}
