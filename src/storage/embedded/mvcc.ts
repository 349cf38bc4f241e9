// The in-memory multi-version key index, after etcd's mvcc treeIndex and
// keyIndex: every key maps to its versions in revision order; a version with
// `version === 0` is a tombstone (the key was deleted at that revision). A
// revision log lists the versions each revision wrote, so watchers can replay
// history without scanning keys. Pure and synchronous: no I/O, no timers.

import sortedBTree from 'sorted-btree';
import { ErrCompacted, ErrFutureRev } from '../errors.js';
import { RANGE_TO_END } from '../keys.js';
import type { KeyValue, RangeRequest, RangeResponse } from '../types.js';

/** One write at one revision, as it goes into the WAL. */
export type Write = { op: 'put'; key: string; value: string; lease: string } | { op: 'del'; key: string };

/** The versions written by one revision, in the order they were written. */
export interface RevisionEntry {
  rev: number;
  kvs: KeyValue[];
}

// sorted-btree is CommonJS with `exports.default`: Node's ESM loader hands us
// the exports object, bundlers (vitest) the class itself.
const BTree: typeof sortedBTree.default =
  (sortedBTree as unknown as { default?: typeof sortedBTree.default }).default ??
  (sortedBTree as unknown as typeof sortedBTree.default);

const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function isTombstone(kv: KeyValue): boolean {
  return kv.version === 0;
}

export class MvccIndex {
  /** key → versions, oldest first. */
  readonly keys = new BTree<string, KeyValue[]>(undefined, compareKeys, 64);
  /** Revisions after the compaction point, oldest first. */
  readonly log: RevisionEntry[] = [];
  currentRevision = 0;
  compactRevision = 0;
  /** Number of keys whose newest version is live. */
  liveKeys = 0;
  /** Bytes of live keys and values, for status and the memory benchmark. */
  liveBytes = 0;
  /** Keys with more than one version or a tombstone: all that compaction may trim. */
  private readonly trimmable = new Set<string>();

  /** The newest version of `key` at or below `rev` (tombstones included). */
  versionAt(key: string, rev: number): KeyValue | undefined {
    const history = this.keys.get(key);
    return history && pickVersion(history, rev);
  }

  /** The live value of `key` now, or undefined. */
  latest(key: string): KeyValue | undefined {
    const history = this.keys.get(key);
    if (!history) return undefined;
    const kv = history[history.length - 1];
    return isTombstone(kv) ? undefined : kv;
  }

  /** Live keys in [key, rangeEnd) at `rev`, calling `fn` in key order. */
  forEachLive(key: string, rangeEnd: string | undefined, rev: number, fn: (kv: KeyValue) => void): void {
    const visit = (history: KeyValue[]): void => {
      const kv = pickVersion(history, rev);
      if (kv && !isTombstone(kv)) fn(kv);
    };
    if (rangeEnd === undefined || rangeEnd === '') {
      const history = this.keys.get(key);
      if (history) visit(history);
      return;
    }
    if (rangeEnd === RANGE_TO_END) {
      const high = this.keys.maxKey();
      if (high !== undefined && high >= key) this.keys.forRange(key, high, true, (_k: string, h: KeyValue[]) => visit(h));
      return;
    }
    if (rangeEnd > key) this.keys.forRange(key, rangeEnd, false, (_k: string, h: KeyValue[]) => visit(h));
  }

  /** Validate the revision of a read: compacted or in the future. */
  checkReadRevision(rev: number, visibleRevision: number): number {
    if (rev <= 0) return visibleRevision;
    if (rev > visibleRevision) throw new ErrFutureRev(visibleRevision, rev);
    if (rev < this.compactRevision) throw new ErrCompacted(this.compactRevision, rev);
    return rev;
  }

  range(req: RangeRequest, visibleRevision: number): RangeResponse {
    const rev = this.checkReadRevision(req.revision ?? 0, visibleRevision);
    const limit = req.limit && req.limit > 0 ? req.limit : Infinity;
    const kvs: KeyValue[] = [];
    let count = 0;
    const filtered =
      req.minModRevision || req.maxModRevision || req.minCreateRevision || req.maxCreateRevision ? req : undefined;
    // As etcd (apply.go): `count` is every key in the range; the revision
    // filters prune only the returned kvs, and `more` says the limit cut them.
    let passed = 0;
    this.forEachLive(req.key, req.rangeEnd, rev, (kv) => {
      count++;
      if (req.countOnly || (filtered && !passesFilters(kv, filtered))) return;
      passed++;
      if (kvs.length < limit) kvs.push(req.keysOnly ? { ...kv, value: '' } : kv);
    });
    return { header: { revision: visibleRevision }, kvs, more: passed > kvs.length, count };
  }

  /** Apply the writes of one revision (recovery, and single-shot callers). */
  apply(rev: number, writes: Write[]): KeyValue[] {
    if (rev !== this.currentRevision + 1) throw new Error(`mvcc: revision ${rev} does not follow ${this.currentRevision}`);
    this.beginRevision();
    return writes.map((w) => this.write(w));
  }

  /** Open the next revision; writes go into it until the next begin. */
  beginRevision(): number {
    const rev = ++this.currentRevision;
    this.log.push({ rev, kvs: [] });
    return rev;
  }

  /**
   * Write one key at the open revision. The caller has validated the write:
   * a key is written at most once per revision, and deletes name live keys.
   */
  write(w: Write): KeyValue {
    const entry = this.log[this.log.length - 1];
    const rev = this.currentRevision;
    if (!entry || entry.rev !== rev) throw new Error('mvcc: write outside a revision');
    let history = this.keys.get(w.key);
    const prev = history?.[history.length - 1];
    const prevLive = prev && !isTombstone(prev) ? prev : undefined;
    let kv: KeyValue;
    if (w.op === 'put') {
      kv = Object.freeze({
        key: w.key,
        value: w.value,
        createRevision: prevLive ? prevLive.createRevision : rev,
        modRevision: rev,
        version: prevLive ? prevLive.version + 1 : 1,
        lease: w.lease,
      });
      if (prevLive) this.liveBytes -= prevLive.key.length + prevLive.value.length;
      else this.liveKeys++;
      this.liveBytes += w.key.length + w.value.length;
    } else {
      if (!prevLive) throw new Error(`mvcc: delete of missing key ${w.key} at ${rev}`);
      kv = Object.freeze({ key: w.key, value: '', createRevision: 0, modRevision: rev, version: 0, lease: '0' });
      this.liveKeys--;
      this.liveBytes -= prevLive.key.length + prevLive.value.length;
    }
    if (!history) {
      history = [];
      this.keys.set(w.key, history);
    }
    history.push(kv);
    if (history.length > 1 || kv.version === 0) this.trimmable.add(w.key);
    entry.kvs.push(kv);
    return kv;
  }

  /** Load a snapshot's keys into an empty index and rebuild the revision log. */
  restore(revision: number, compactRevision: number, keys: Array<[string, KeyValue[]]>): void {
    if (this.keys.size > 0 || this.currentRevision > 0) throw new Error('mvcc: restore into a non-empty index');
    const events: KeyValue[] = [];
    for (const [key, history] of keys) {
      if (history.length === 0) continue;
      this.keys.set(key, history);
      const last = history[history.length - 1];
      if (!isTombstone(last)) {
        this.liveKeys++;
        this.liveBytes += key.length + last.value.length;
      }
      if (history.length > 1 || isTombstone(last)) this.trimmable.add(key);
      for (const kv of history) if (kv.modRevision >= compactRevision) events.push(kv);
    }
    events.sort((a, b) => a.modRevision - b.modRevision);
    for (const kv of events) {
      const tail = this.log[this.log.length - 1];
      if (tail && tail.rev === kv.modRevision) tail.kvs.push(kv);
      else this.log.push({ rev: kv.modRevision, kvs: [kv] });
    }
    this.currentRevision = revision;
    this.compactRevision = compactRevision;
  }

  /** The version before `kv` in its key's history (for prevKv), if live. */
  previousOf(kv: KeyValue): KeyValue | undefined {
    const history = this.keys.get(kv.key);
    if (!history) return undefined;
    for (let i = history.length - 1; i > 0; i--) {
      if (history[i] === kv) {
        const prev = history[i - 1];
        return isTombstone(prev) ? undefined : prev;
      }
    }
    return undefined;
  }

  /** Index of the first log entry with revision >= rev. */
  logIndexFrom(rev: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid].rev < rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Forget history below `rev`, keeping for each key its newest version at or
   * below `rev` unless that is a tombstone below `rev` (etcd's keyIndex.compact).
   */
  compact(rev: number): void {
    if (rev <= this.compactRevision) return;
    for (const key of this.trimmable) {
      const history = this.keys.get(key);
      if (!history) {
        this.trimmable.delete(key);
        continue;
      }
      if (history[0].modRevision >= rev) continue;
      // Newest index with modRevision <= rev.
      let keep = history.length - 1;
      while (keep > 0 && history[keep].modRevision > rev) keep--;
      // A tombstone below `rev` goes; one exactly at `rev` stays until the next
      // compaction, so a watch from the compaction point still sees the delete.
      const drop = isTombstone(history[keep]) && history[keep].modRevision < rev ? keep + 1 : keep;
      if (drop > 0) history.splice(0, drop);
      if (history.length === 0) {
        this.keys.delete(key);
        this.trimmable.delete(key);
      } else if (history.length === 1 && !isTombstone(history[0])) {
        this.trimmable.delete(key);
      }
    }
    const cut = this.logIndexFrom(rev);
    if (cut > 0) this.log.splice(0, cut);
    this.compactRevision = rev;
  }
}

function pickVersion(history: KeyValue[], rev: number): KeyValue | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i].modRevision <= rev) return history[i];
  }
  return undefined;
}

function passesFilters(kv: KeyValue, req: RangeRequest): boolean {
  if (req.minModRevision && kv.modRevision < req.minModRevision) return false;
  if (req.maxModRevision && kv.modRevision > req.maxModRevision) return false;
  if (req.minCreateRevision && kv.createRevision < req.minCreateRevision) return false;
  if (req.maxCreateRevision && kv.createRevision > req.maxCreateRevision) return false;
  return true;
}
