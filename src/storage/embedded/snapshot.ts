// Snapshots: the whole MVCC state (every key's retained versions, leases,
// revision and compaction point) at the moment a WAL segment was closed, so
// that segment and all before it can be deleted. Written to a temp file,
// fsynced, then renamed: a snapshot file either exists whole or not at all,
// and a trailing CRC catches later damage.

import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { ErrCorrupt } from '../errors.js';
import type { KeyValue } from '../types.js';
import { Decoder, Encoder } from './codec.js';
import type { Lessor } from './lessor.js';
import type { MvccIndex } from './mvcc.js';
import { fsyncDir } from './wal.js';

const MAGIC = 0x31535047; // "GPS1"
const EXT = '.snap';

export interface SnapshotState {
  /** Segments up to and including this one are covered. */
  walSeq: number;
  revision: number;
  compactRevision: number;
  leases: Array<{ id: string; ttl: number; expiresAt: number }>;
  /** Keys in order, each with its retained versions (oldest first). */
  keys: Array<[string, KeyValue[]]>;
}

/** Copy what a snapshot needs; synchronous so it sees exactly one moment. */
export function captureSnapshot(mvcc: MvccIndex, lessor: Lessor, walSeq: number): SnapshotState {
  const keys: Array<[string, KeyValue[]]> = [];
  mvcc.keys.forEachPair((key, history) => {
    keys.push([key, history.slice()]);
  });
  return {
    walSeq,
    revision: mvcc.currentRevision,
    compactRevision: mvcc.compactRevision,
    leases: [...lessor.leases.values()].map((l) => ({ id: l.id, ttl: l.ttl, expiresAt: l.expiresAt })),
    keys,
  };
}

function fileName(s: SnapshotState): string {
  return `${s.walSeq.toString(16).padStart(16, '0')}-${s.revision.toString(16).padStart(16, '0')}${EXT}`;
}

export function listSnapshots(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^[0-9a-f]{16}-[0-9a-f]{16}\.snap$/.test(f))
    .sort();
}

/** Write a snapshot durably, yielding to the event loop between chunks. */
export async function writeSnapshot(dir: string, s: SnapshotState): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const final = path.join(dir, fileName(s));
  const tmp = `${final}.tmp`;
  const fh = await fs.promises.open(tmp, 'w');
  let crc = 0;
  const enc = new Encoder(1 << 20);
  const flush = async (): Promise<void> => {
    const chunk = enc.finish();
    crc = crc32(chunk, crc);
    await fh.write(chunk);
    enc.reset();
  };
  try {
    enc.u32(MAGIC).uvarint(s.walSeq).uvarint(s.revision).uvarint(s.compactRevision);
    enc.uvarint(s.leases.length);
    for (const l of s.leases) enc.str(l.id).uvarint(l.ttl).f64(l.expiresAt);
    enc.uvarint(s.keys.length);
    for (const [key, history] of s.keys) {
      enc.str(key).uvarint(history.length);
      for (const kv of history) {
        enc.uvarint(kv.modRevision).uvarint(kv.version);
        if (kv.version !== 0) enc.uvarint(kv.createRevision).str(kv.value).str(kv.lease);
      }
      if (enc.length >= 1 << 20) await flush();
    }
    await flush();
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(crc);
    await fh.write(tail);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, final);
  fsyncDir(dir);
  return final;
}

/** Load the newest snapshot, or undefined when there is none. */
export function loadNewestSnapshot(dir: string): { state: SnapshotState; file: string } | undefined {
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true }); // an interrupted write
  }
  const names = listSnapshots(dir);
  const newest = names[names.length - 1];
  if (!newest) return undefined;
  const file = path.join(dir, newest);
  return { state: readSnapshot(file), file };
}

export function readSnapshot(file: string): SnapshotState {
  const buf = fs.readFileSync(file);
  if (buf.length < 8) throw new ErrCorrupt(file, 0, 'snapshot is truncated');
  const body = buf.subarray(0, buf.length - 4);
  if (crc32(body) !== buf.readUInt32LE(buf.length - 4)) {
    throw new ErrCorrupt(file, buf.length - 4, 'snapshot fails its checksum; refusing to start on damaged data');
  }
  const dec = new Decoder(body);
  if (dec.u32() !== MAGIC) throw new ErrCorrupt(file, 0, 'not a gitplane snapshot');
  const walSeq = dec.uvarint();
  const revision = dec.uvarint();
  const compactRevision = dec.uvarint();
  const leases: SnapshotState['leases'] = [];
  for (let n = dec.uvarint(); n > 0; n--) leases.push({ id: dec.str(), ttl: dec.uvarint(), expiresAt: dec.f64() });
  const keys: SnapshotState['keys'] = [];
  for (let n = dec.uvarint(); n > 0; n--) {
    const key = dec.str();
    const count = dec.uvarint();
    const history: KeyValue[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const modRevision = dec.uvarint();
      const version = dec.uvarint();
      if (version === 0) {
        history[i] = Object.freeze({ key, value: '', createRevision: 0, modRevision, version: 0, lease: '0' });
      } else {
        const createRevision = dec.uvarint();
        history[i] = Object.freeze({ key, value: dec.str(), createRevision, modRevision, version, lease: dec.str() });
      }
    }
    keys.push([key, history]);
  }
  return { walSeq, revision, compactRevision, leases, keys };
}

/** Remove snapshots older than `keep`. */
export function pruneSnapshots(dir: string, keep: string): void {
  for (const f of listSnapshots(dir)) {
    if (path.join(dir, f) !== keep) fs.rmSync(path.join(dir, f), { force: true });
  }
}
