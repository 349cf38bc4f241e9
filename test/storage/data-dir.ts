// Looking at what the embedded store leaves on disk, independently of its
// code: `<dir>/wal/*.wal` segments made of frames
// `[magic u32][length u32][crc32 u32][payload]`, `<dir>/snap/*.snap`, and
// `<dir>/LOCK`. Also a comparable dump of a store's whole logical state.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { KeyValue, Store, WatchEvent } from '../../src/storage/types.js';
import { startWatch, waitFor } from './support.js';

export interface Frame {
  /** Byte offset of the frame header in its file. */
  offset: number;
  /** Payload length. */
  length: number;
  /** Offset just past the frame. */
  end: number;
}

export function walDir(dir: string): string {
  return join(dir, 'wal');
}

export function snapDir(dir: string): string {
  return join(dir, 'snap');
}

/** WAL segment paths, oldest first (names sort by sequence). */
export function walFiles(dir: string): string[] {
  const d = walDir(dir);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => f.endsWith('.wal'))
    .sort()
    .map((f) => join(d, f));
}

export function snapFiles(dir: string): string[] {
  const d = snapDir(dir);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => f.endsWith('.snap'))
    .sort()
    .map((f) => join(d, f));
}

/** The newest WAL segment that holds at least one frame. */
export function newestWalWithData(dir: string): string {
  const files = walFiles(dir).filter((f) => readFileSync(f).length > 0);
  expect(files.length, `WAL segments with data under ${walDir(dir)}`).toBeGreaterThan(0);
  return files[files.length - 1];
}

/**
 * Split a WAL segment into frames. The length field's byte order is found by
 * trying both and keeping the one whose frames tile the file exactly with
 * one magic number throughout.
 */
export function parseFrames(buf: Buffer): Frame[] {
  if (buf.length === 0) return [];
  for (const le of [true, false]) {
    const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
    const frames: Frame[] = [];
    const magic = buf.readUInt32LE(0);
    let at = 0;
    let ok = true;
    while (at < buf.length) {
      if (at + 12 > buf.length || buf.readUInt32LE(at) !== magic) {
        ok = false;
        break;
      }
      const length = u32(at + 4);
      const end = at + 12 + length;
      if (end > buf.length) {
        ok = false;
        break;
      }
      frames.push({ offset: at, length, end });
      at = end;
    }
    if (ok) return frames;
  }
  throw new Error(`WAL bytes do not parse as [magic][length][crc][payload] frames (${buf.length} bytes)`);
}

export function framesOf(file: string): Frame[] {
  return parseFrames(readFileSync(file));
}

/** Every file under the data dir except LOCK*, with its bytes, for before/after comparisons. */
export function fileBytes(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else if (!e.name.startsWith('LOCK')) out.set(r, readFileSync(join(d, e.name)));
    }
  };
  walk(dir, '');
  return out;
}

export interface LeaseDump {
  id: string;
  grantedTtl: number;
  ttl: number;
  keys: string[];
}

export interface StoreDump {
  revision: number;
  compactRevision: number;
  /** All keys at every readable revision, from the compaction point (or 1) to the current one. */
  byRevision: Record<number, KeyValue[]>;
  /** Every event from just after the compaction point to the current revision. */
  events: WatchEvent[];
  leases: LeaseDump[];
}

const ALL = { key: '\0', rangeEnd: '\0' };

/** The whole logical state of a store: what a restart must reproduce exactly. */
export async function dumpStore(store: Store): Promise<StoreDump> {
  const st = await store.status();
  const revision = st.header.revision;
  const compactRevision = st.compactRevision;
  const byRevision: Record<number, KeyValue[]> = {};
  for (let r = Math.max(compactRevision, 1); r <= revision; r++) {
    byRevision[r] = (await store.range({ ...ALL, revision: r })).kvs;
  }
  let events: WatchEvent[] = [];
  const start = compactRevision + 1;
  if (revision >= start) {
    const log = await startWatch(store, { ...ALL, startRevision: start, prevKv: true });
    // Every revision is a write with at least one event, so the current
    // revision's event marks the end of the replay.
    await waitFor(() => log.events.some((e) => e.kv.modRevision === revision), {
      timeoutMs: 10_000,
      message: `watch replay to reach revision ${revision}`,
    });
    await log.cancel();
    events = log.events;
  }
  const leases: LeaseDump[] = [];
  for (const id of [...(await store.leaseLeases())].sort()) {
    const t = await store.leaseTimeToLive(id, { keys: true });
    leases.push({ id, grantedTtl: t.grantedTtl, ttl: t.ttl, keys: [...t.keys].sort() });
  }
  return { revision, compactRevision, byRevision, events, leases };
}
