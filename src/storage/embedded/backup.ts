// Backup and restore of an embedded store through snapshot files, as
// `etcdctl snapshot save` / `etcdutl snapshot restore` do for etcd.
//
// A backup never touches the source directory, so it works while a server
// holds the store: it copies the newest snapshot and the WAL segments after
// it into a scratch directory, checks that no newer snapshot appeared (and so
// no segment it needed was deleted) meanwhile, recovers a store from the
// copy — a frame being written during the copy is a torn tail there, and is
// cut, so the copy is the state as of the last complete group commit — and
// writes that store's snapshot to the output file.
//
// A restore checks the snapshot file (magic and CRC) and makes it the only
// snapshot of a fresh store directory, with no WAL: the store that opens
// there has exactly the snapshot's keys, history, revision and leases.

import fs from 'node:fs';
import path from 'node:path';
import { EmbeddedStore } from './store.js';
import { listSnapshots, readSnapshot, writeSnapshot } from './snapshot.js';
import { fsyncDir, listSegments, segmentName } from './wal.js';

export interface SnapshotSummary {
  /** The snapshot file written. */
  file: string;
  revision: number;
  compactRevision: number;
  /** Live keys. */
  keys: number;
  leases: number;
}

const COPY_ATTEMPTS = 5;

/** The WAL sequence a snapshot file name says it covers (0 for none). */
function coveredSeq(snapName: string | undefined): number {
  return snapName ? parseInt(snapName.slice(0, 16), 16) : 0;
}

/** Copy the newest snapshot and the WAL after it; false when a snapshot or segment changed under us. */
function copyOnce(src: string, dst: string): boolean {
  fs.rmSync(dst, { recursive: true, force: true });
  fs.mkdirSync(path.join(dst, 'snap'), { recursive: true });
  fs.mkdirSync(path.join(dst, 'wal'), { recursive: true });
  const snaps = listSnapshots(path.join(src, 'snap'));
  const newest = snaps[snaps.length - 1];
  try {
    if (newest) fs.copyFileSync(path.join(src, 'snap', newest), path.join(dst, 'snap', newest));
    const after = coveredSeq(newest);
    const segs = listSegments(path.join(src, 'wal')).filter((s) => s > after);
    // Segments after a snapshot start right after the one it covers, with no gap.
    if (segs.some((s, i) => s !== after + 1 + i)) return false;
    for (const seq of segs) fs.copyFileSync(path.join(src, 'wal', segmentName(seq)), path.join(dst, 'wal', segmentName(seq)));
  } catch (err) {
    // A snapshot or segment deleted while we copied: a newer snapshot was written.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const now = listSnapshots(path.join(src, 'snap'));
  return now[now.length - 1] === newest;
}

async function summarize(store: EmbeddedStore, file: string): Promise<SnapshotSummary> {
  const st = await store.status();
  const stats = store.stats();
  return { file, revision: st.header.revision, compactRevision: st.compactRevision, keys: stats.keys, leases: stats.leases };
}

/**
 * Write a consistent snapshot of the store in `dir` (its `<data-dir>/store`) to `out`,
 * without touching `dir` — a server may be running on it.
 */
export async function backupEmbeddedStore(opts: { dir: string; out: string }): Promise<SnapshotSummary> {
  const src = path.resolve(opts.dir);
  if (!fs.existsSync(path.join(src, 'wal')) && !fs.existsSync(path.join(src, 'snap'))) {
    throw new Error(`${src} holds no embedded store (no wal/ or snap/)`);
  }
  const out = path.resolve(opts.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(out), '.gitplane-backup-'));
  try {
    let copied = false;
    for (let attempt = 0; attempt < COPY_ATTEMPTS && !copied; attempt++) copied = copyOnce(src, work);
    if (!copied) throw new Error(`${src} kept changing snapshots while it was copied; try again`);
    const store = await EmbeddedStore.open({ dir: work, fsync: false });
    let summary: SnapshotSummary;
    try {
      const snap = await store.snapshot();
      summary = await summarize(store, out);
      const tmp = `${out}.tmp`;
      fs.copyFileSync(snap, tmp);
      const fd = fs.openSync(tmp, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, out);
      fsyncDir(path.dirname(out));
    } finally {
      await store.close();
    }
    return summary;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Make a store in `dir` (a `<data-dir>/store` that does not exist yet or is empty) from the
 * snapshot file `from`; refuses a non-empty `dir` and a damaged or foreign file (ErrCorrupt).
 */
export async function restoreEmbeddedStore(opts: { from: string; dir: string }): Promise<SnapshotSummary> {
  const from = path.resolve(opts.from);
  const dir = path.resolve(opts.dir);
  if (!fs.existsSync(from)) throw new Error(`snapshot file ${from} does not exist`);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new Error(`${dir} is not empty; restore into a new directory`);
  const state = readSnapshot(from);
  const file = await writeSnapshot(path.join(dir, 'snap'), state);
  // Open once: proves the result loads, and creates the WAL a server appends to.
  const store = await EmbeddedStore.open({ dir });
  try {
    return await summarize(store, file);
  } finally {
    await store.close();
  }
}
