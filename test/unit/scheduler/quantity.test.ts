import { describe, expect, it } from 'vitest';
import { parseQuantity, quantityMilliValue, quantityValue, QuantityError } from '../../../src/scheduler/quantity.js';

describe('quantity', () => {
  it.each([
    ['100m', 1, 100],
    ['0.5', 1, 500],
    ['0.1', 1, 100],
    ['1', 1, 1000],
    ['2', 2, 2000],
    ['1.5', 2, 1500],
    ['128Mi', 128 * 1024 * 1024, 128 * 1024 * 1024 * 1000],
    ['1G', 1e9, 1e12],
    ['2Ki', 2048, 2048000],
    ['1e3', 1000, 1e6],
    ['1P', 1e15, Number.MAX_SAFE_INTEGER],
    ['1E', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['500n', 1, 1],
    ['1.5Gi', 1.5 * 1024 ** 3, 1.5 * 1024 ** 3 * 1000],
    ['10k', 10000, 1e7],
    [3, 3, 3000],
    ['0', 0, 0],
  ] as const)('%s → value %d, milli %d', (q, value, milli) => {
    expect(quantityValue(q)).toBe(value);
    expect(quantityMilliValue(q)).toBe(milli);
  });

  it.each(['', 'abc', '1.2.3', '1Qi', '--1', 'm'])('rejects %j', (q) => {
    expect(() => parseQuantity(q)).toThrow(QuantityError);
  });
});
