import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrCorrupt } from '../../../src/storage/errors.js';
import { recoverWal, scanFrames, segmentName, WalWriter } from '../../../src/storage/embedded/wal.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-wal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function writeFrames(dir: string, payloads: string[][]): Promise<string> {
  const w = new WalWriter(dir, 1);
  for (const group of payloads) await Promise.all(group.map((p) => w.append(Buffer.from(p))));
  await w.close();
  return path.join(dir, segmentName(1));
}

describe('WAL', () => {
  it('groups concurrent appends into one frame and replays them in order', async () => {
    const dir = tempDir();
    await writeFrames(dir, [['a', 'b', 'c'], ['d']]);
    const rec = recoverWal(dir, 0);
    expect(rec.payloads.map(String)).toEqual(['abc', 'd']);
    expect(rec.truncatedBytes).toBe(0);
  });

  it.each([
    ['cut mid-payload', (b: Buffer) => b.subarray(0, b.length - 2)],
    ['cut mid-header', (b: Buffer) => Buffer.concat([b, Buffer.from([0x47, 0x50, 0x57])])],
    ['zero-filled tail', (b: Buffer) => Buffer.concat([b, Buffer.alloc(4096)])],
    ['garbage tail', (b: Buffer) => Buffer.concat([b, Buffer.from('not a frame at all, just noise')])],
  ])('truncates and reports a torn tail: %s', async (_name, damage) => {
    const dir = tempDir();
    const file = await writeFrames(dir, [['one'], ['two'], ['three']]);
    const intact = fs.readFileSync(file);
    fs.writeFileSync(file, damage(intact));
    const rec = recoverWal(dir, 0);
    expect(rec.truncatedBytes).toBeGreaterThan(0);
    expect(rec.message).toMatch(/torn tail/);
    const expected = _name === 'cut mid-payload' ? ['one', 'two'] : ['one', 'two', 'three'];
    expect(rec.payloads.map(String)).toEqual(expected);
    // The repaired file now scans clean.
    expect(scanFrames(fs.readFileSync(file)).badAt).toBeUndefined();
  });

  it('refuses to start on corruption followed by valid frames, and leaves the file alone', async () => {
    const dir = tempDir();
    const file = await writeFrames(dir, [['first frame'], ['second frame'], ['third frame']]);
    const bytes = fs.readFileSync(file);
    bytes[12 + 3] ^= 0xff; // a bit flip inside the first payload
    fs.writeFileSync(file, bytes);
    let err: unknown;
    try {
      recoverWal(dir, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ErrCorrupt);
    expect((err as ErrCorrupt).message).toContain(file);
    expect((err as ErrCorrupt).offset).toBe(0);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
  });

  it('refuses a bad tail in an older segment when a newer one holds frames', async () => {
    const dir = tempDir();
    const w = new WalWriter(dir, 1);
    await w.append(Buffer.from('in segment 1'));
    await w.rotate();
    await w.append(Buffer.from('in segment 2'));
    await w.close();
    const first = path.join(dir, segmentName(1));
    fs.writeFileSync(first, fs.readFileSync(first).subarray(0, 14));
    expect(() => recoverWal(dir, 0)).toThrow(ErrCorrupt);
  });

  it('rotation hands the switch moment to a callback and removes covered segments', async () => {
    const dir = tempDir();
    const w = new WalWriter(dir, 1);
    const pending = w.append(Buffer.from('before'));
    let seen = 0;
    const closed = await w.rotate((seq) => (seen = seq));
    await pending;
    await w.append(Buffer.from('after'));
    expect(seen).toBe(1);
    expect(closed).toBe(1);
    w.removeUpTo(closed);
    await w.close();
    expect(fs.readdirSync(dir)).toEqual([segmentName(2)]);
    expect(recoverWal(dir, closed).payloads.map(String)).toEqual(['after']);
  });
});
