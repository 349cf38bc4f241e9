import { describe, expect, it } from 'vitest';
import { Decoder, Encoder } from '../../../src/storage/embedded/codec.js';
import { decodeEntries, encodeEntries, type WalEntry } from '../../../src/storage/embedded/entries.js';

describe('codec', () => {
  it('round-trips varints at their boundaries and strings of every width', () => {
    const nums = [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
    const strs = ['', 'a', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(20000), 'ünïcødé ✓ 🚀', '\0nul'];
    const enc = new Encoder(8); // tiny, to exercise growth
    for (const n of nums) enc.uvarint(n);
    for (const s of strs) enc.str(s);
    enc.f64(1767225600123.5);
    const dec = new Decoder(Buffer.from(enc.finish()));
    expect(nums.map(() => dec.uvarint())).toEqual(nums);
    expect(strs.map(() => dec.str())).toEqual(strs);
    expect(dec.f64()).toBe(1767225600123.5);
    expect(dec.done).toBe(true);
  });

  it('rejects negative and unsafe varints', () => {
    expect(() => new Encoder().uvarint(-1)).toThrow(RangeError);
    expect(() => new Encoder().uvarint(2 ** 53)).toThrow(RangeError);
  });

  it('round-trips every WAL entry type', () => {
    const entries: WalEntry[] = [
      { type: 'txn', rev: 42, writes: [{ op: 'put', key: '/a', value: '{"x":1}', lease: '0' }, { op: 'del', key: '/b' }] },
      { type: 'compact', rev: 40 },
      { type: 'leaseGrant', id: '9223372036854775807', ttl: 60, expiresAt: 1767225600000 },
      { type: 'leaseKeepAlive', id: '7', expiresAt: 1767225660000 },
      { type: 'leaseRevoke', id: '7' },
    ];
    expect(decodeEntries(encodeEntries(entries))).toEqual(entries);
  });
});
