// The embedded store: the MVCC index in memory, made durable by the WAL and
// snapshots. Every change is applied in memory and appended to the WAL in
// one synchronous step (so changes are totally ordered), and acknowledged
// only once its frame is fsynced. Reads and watches see only the committed
// (durable) revision, so nobody ever observes a write a crash could undo.

import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../../util/clock.js';
import {
  ErrClosed,
  ErrCompacted,
  ErrFutureRev,
  ErrInvalidRequest,
  ErrLeaseExists,
  ErrLeaseNotFound,
  StorageError,
} from '../errors.js';
import type {
  CompactResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  Store,
  StoreStatus,
  TxnRequest,
  TxnResponse,
  WatchListener,
  WatchRequest,
  Watcher,
} from '../types.js';
import { decodeEntries, encodeEntries, type WalEntry } from './entries.js';
import { Lessor } from './lessor.js';
import { lockDir, type DirLock } from './lock.js';
import { MvccIndex, type Write } from './mvcc.js';
import { captureSnapshot, loadNewestSnapshot, pruneSnapshots, writeSnapshot } from './snapshot.js';
import { TxnExecutor, type Change } from './txn.js';
import { recoverWal, WalWriter } from './wal.js';
import { WatcherHub } from './watchers.js';

export interface EmbeddedStoreOptions {
  /** Data directory; created if missing. Holds wal/, snap/ and LOCK. */
  dir: string;
  clock?: Clock;
  /** How often expired leases are looked for (default 250 ms). */
  leaseCheckIntervalMs?: number;
  /** Idle interval between progress notifications for watches that ask (default 10 min, as etcd). */
  progressNotifyIntervalMs?: number;
  /** Snapshot and truncate the WAL once it has grown by this much (default 64 MiB). */
  snapshotThresholdBytes?: number;
  /** fsync each group commit (default true). Turning it off loses durability. */
  fsync?: boolean;
  /** Minimum lease TTL in seconds (default 1). */
  minLeaseTtl?: number;
}

export interface RecoveryReport {
  /** Bytes of torn WAL tail truncated at start-up. */
  truncatedBytes: number;
  /** WAL frames replayed. */
  walRecords: number;
  /** Revision of the snapshot loaded, 0 for none. */
  snapshotRevision: number;
  /** Milliseconds spent recovering. */
  durationMs: number;
  /** What was repaired, if anything. */
  message?: string;
}

export class EmbeddedStore implements Store {
  readonly recovery: RecoveryReport;
  private readonly mvcc = new MvccIndex();
  private readonly lessor = new Lessor();
  private readonly executor: TxnExecutor;
  private readonly hub: WatcherHub;
  private readonly clock: Clock;
  private wal!: WalWriter;
  private lock: DirLock | undefined;
  private committed = 0;
  private notifyScheduled = false;
  private closed = false;
  private failed: StorageError | undefined;
  private leaseTimer: TimerHandle | undefined;
  private snapshotting: Promise<void> | undefined;
  private readonly walDir: string;
  private readonly snapDir: string;

  private constructor(private readonly opts: EmbeddedStoreOptions) {
    this.clock = opts.clock ?? systemClock;
    this.executor = new TxnExecutor(this.mvcc, this.lessor);
    this.hub = new WatcherHub(this.mvcc, () => this.committed, this.clock, opts.progressNotifyIntervalMs ?? 600_000);
    this.walDir = path.join(opts.dir, 'wal');
    this.snapDir = path.join(opts.dir, 'snap');
    this.recovery = { truncatedBytes: 0, walRecords: 0, snapshotRevision: 0, durationMs: 0 };
  }

  static async open(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const store = new EmbeddedStore(opts);
    fs.mkdirSync(opts.dir, { recursive: true });
    store.lock = lockDir(opts.dir);
    try {
      store.recover();
    } catch (err) {
      store.lock.release();
      throw err;
    }
    store.scheduleLeaseCheck();
    return store;
  }

  private recover(): void {
    const started = performance.now();
    const snap = loadNewestSnapshot(this.snapDir);
    let afterSeq = 0;
    if (snap) {
      const s = snap.state;
      this.mvcc.restore(s.revision, s.compactRevision, s.keys);
      for (const l of s.leases) this.lessor.grant(l.id, l.ttl, l.expiresAt);
      for (const [key, history] of s.keys) {
        const last = history[history.length - 1];
        if (last && last.version !== 0 && last.lease !== '0') this.lessor.attach(last.lease, key);
      }
      afterSeq = s.walSeq;
      this.recovery.snapshotRevision = s.revision;
    }
    const wal = recoverWal(this.walDir, afterSeq);
    for (const payload of wal.payloads) {
      for (const entry of decodeEntries(payload)) this.replay(entry);
    }
    this.committed = this.mvcc.currentRevision;
    this.wal = new WalWriter(this.walDir, wal.activeSeq, { fsync: this.opts.fsync });
    this.wal.bytesSinceRotate = wal.bytes;
    // Segments a finished snapshot made obsolete but a crash left behind.
    if (snap) this.wal.removeUpTo(afterSeq);
    Object.assign(this.recovery, {
      truncatedBytes: wal.truncatedBytes,
      walRecords: wal.payloads.length,
      message: wal.message,
      durationMs: performance.now() - started,
    });
    if (wal.message) console.warn(`storage: ${wal.message}`);
  }

  /** Re-apply one logged entry. Idempotent for entries a snapshot already holds. */
  private replay(e: WalEntry): void {
    switch (e.type) {
      case 'txn':
        if (e.rev <= this.mvcc.currentRevision) return;
        this.mvcc.beginRevision();
        for (const w of e.writes) this.trackLease(this.mvcc.latest(w.key), this.mvcc.write(w));
        return;
      case 'compact':
        this.mvcc.compact(e.rev);
        return;
      case 'leaseGrant':
        this.lessor.grant(e.id, e.ttl, e.expiresAt);
        return;
      case 'leaseKeepAlive':
        this.lessor.renew(e.id, e.expiresAt);
        return;
      case 'leaseRevoke':
        this.lessor.revoke(e.id);
        return;
    }
  }

  private trackLease(prev: { key: string; lease: string } | undefined, kv: { key: string; lease: string; version: number }): void {
    if (prev && prev.lease !== '0') this.lessor.detach(prev.lease, prev.key);
    if (kv.version !== 0 && kv.lease !== '0') this.lessor.attach(kv.lease, kv.key);
  }

  private check(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new ErrClosed();
  }

  private header(): ResponseHeader {
    return { revision: this.committed };
  }

  /** Log entries and wait until they are durable; `rev` becomes visible then. */
  private async persist(entries: WalEntry[], rev: number): Promise<void> {
    try {
      await this.wal.append(encodeEntries(entries));
    } catch (err) {
      // Memory now holds changes the disk does not: stop serving.
      this.failed = err instanceof StorageError ? err : new StorageError('Unavailable', String(err));
      this.hub.closeAll(this.failed.message);
      throw this.failed;
    }
    if (rev > this.committed) {
      this.committed = rev;
      if (!this.notifyScheduled) {
        this.notifyScheduled = true;
        queueMicrotask(() => {
          this.notifyScheduled = false;
          this.hub.notify();
        });
      }
    }
    this.maybeSnapshot();
  }

  private applyChanges(changes: Change[]): void {
    for (const c of changes) this.trackLease(c.prev, c.kv);
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    this.check();
    validateKey(req.key);
    return this.mvcc.range(req, this.committed);
  }

  async put(req: PutRequest): Promise<PutResponse> {
    const resp = await this.txn({ success: [{ put: req }] });
    return (resp.responses[0] as { put: PutResponse }).put;
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    const resp = await this.txn({ success: [{ deleteRange: req }] });
    return (resp.responses[0] as { deleteRange: DeleteRangeResponse }).deleteRange;
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    this.check();
    const result = this.executor.run(req);
    if (result.revision === 0) {
      // Read-only: nothing to log, but answer at the committed revision so
      // the reply never names a revision a crash could take back.
      if (this.mvcc.currentRevision > this.committed) await this.wal.drain();
      result.response.header.revision = Math.max(this.committed, result.response.header.revision);
      return result.response;
    }
    this.applyChanges(result.changes);
    await this.persist([{ type: 'txn', rev: result.revision, writes: result.writes }], result.revision);
    return result.response;
  }

  async compact(revision: number): Promise<CompactResponse> {
    this.check();
    if (revision > this.committed) throw new ErrFutureRev(this.committed, revision);
    if (revision <= this.mvcc.compactRevision) throw new ErrCompacted(this.mvcc.compactRevision, revision);
    this.mvcc.compact(revision);
    await this.persist([{ type: 'compact', rev: revision }], 0);
    this.hub.notify(); // Watchers behind the new compaction point are ended.
    return { header: this.header() };
  }

  async watch(req: WatchRequest, listener: WatchListener): Promise<Watcher> {
    this.check();
    validateKey(req.key);
    const start = req.startRevision && req.startRevision > 0 ? req.startRevision : this.committed + 1;
    if (start < this.mvcc.compactRevision) throw new ErrCompacted(this.mvcc.compactRevision, start);
    return this.hub.add(req, listener, start);
  }

  async leaseGrant(ttl: number, id?: string): Promise<LeaseGrantResponse> {
    this.check();
    if (!Number.isFinite(ttl)) throw new ErrInvalidRequest(`invalid lease TTL ${ttl}`);
    const granted = Math.max(Math.ceil(ttl), this.opts.minLeaseTtl ?? 1);
    let leaseId = id && id !== '0' ? String(id) : this.lessor.newId();
    if (!/^[0-9]+$/.test(leaseId)) throw new ErrInvalidRequest(`invalid lease id ${leaseId}`);
    leaseId = BigInt(leaseId).toString();
    if (this.lessor.has(leaseId)) throw new ErrLeaseExists(leaseId);
    const expiresAt = this.clock.now() + granted * 1000;
    this.lessor.grant(leaseId, granted, expiresAt);
    await this.persist([{ type: 'leaseGrant', id: leaseId, ttl: granted, expiresAt }], 0);
    return { header: this.header(), id: leaseId, ttl: granted };
  }

  async leaseRevoke(id: string): Promise<{ header: ResponseHeader }> {
    this.check();
    await this.revoke(String(id));
    return { header: this.header() };
  }

  /** Delete a lease's keys at one revision and the lease, logged in one frame. */
  private async revoke(id: string): Promise<void> {
    if (!this.lessor.has(id)) throw new ErrLeaseNotFound(id);
    const keys = this.lessor.revoke(id).sort();
    const entries: WalEntry[] = [];
    let rev = 0;
    const live = keys.filter((k) => this.mvcc.latest(k));
    if (live.length > 0) {
      rev = this.mvcc.beginRevision();
      const writes: Write[] = live.map((key) => ({ op: 'del', key }));
      for (const w of writes) this.mvcc.write(w);
      entries.push({ type: 'txn', rev, writes });
    }
    entries.push({ type: 'leaseRevoke', id });
    await this.persist(entries, rev);
  }

  async leaseKeepAlive(id: string): Promise<LeaseKeepAliveResponse> {
    this.check();
    const lease = this.lessor.get(String(id));
    if (!lease || lease.expiresAt <= this.clock.now()) throw new ErrLeaseNotFound(String(id));
    const expiresAt = this.clock.now() + lease.ttl * 1000;
    this.lessor.renew(lease.id, expiresAt);
    await this.persist([{ type: 'leaseKeepAlive', id: lease.id, expiresAt }], 0);
    return { header: this.header(), id: lease.id, ttl: lease.ttl };
  }

  async leaseTimeToLive(id: string, opts: { keys?: boolean } = {}): Promise<LeaseTimeToLiveResponse> {
    this.check();
    const lease = this.lessor.get(String(id));
    if (!lease) return { header: this.header(), id: String(id), ttl: -1, grantedTtl: 0, keys: [] };
    return {
      header: this.header(),
      id: lease.id,
      ttl: this.lessor.remaining(lease, this.clock.now()),
      grantedTtl: lease.ttl,
      keys: opts.keys ? [...lease.keys].sort() : [],
    };
  }

  async leaseLeases(): Promise<string[]> {
    this.check();
    return [...this.lessor.leases.keys()];
  }

  async status(): Promise<StoreStatus> {
    this.check();
    return {
      header: this.header(),
      compactRevision: this.mvcc.compactRevision,
      version: 'embedded',
      dbSize: this.mvcc.liveBytes,
    };
  }

  /** Counters for tests and benchmarks. */
  stats(): { keys: number; liveBytes: number; watchers: number; revision: number; leases: number } {
    return {
      keys: this.mvcc.liveKeys,
      liveBytes: this.mvcc.liveBytes,
      watchers: this.hub.size,
      revision: this.committed,
      leases: this.lessor.leases.size,
    };
  }

  private scheduleLeaseCheck(): void {
    if (this.closed) return;
    this.leaseTimer = this.clock.setTimeout(() => {
      void this.expireLeases().finally(() => this.scheduleLeaseCheck());
    }, this.opts.leaseCheckIntervalMs ?? 250);
  }

  private async expireLeases(): Promise<void> {
    if (this.closed || this.failed) return;
    for (const id of this.lessor.expired(this.clock.now())) {
      try {
        await this.revoke(id);
      } catch (err) {
        if (!(err instanceof ErrLeaseNotFound)) console.error(`storage: revoking expired lease ${id}:`, err);
      }
    }
  }

  private maybeSnapshot(): void {
    const threshold = this.opts.snapshotThresholdBytes ?? 64 * 1024 * 1024;
    if (this.snapshotting || this.closed || this.wal.bytesSinceRotate < threshold) return;
    this.snapshotting = this.snapshot()
      .then(() => undefined)
      .catch((err) => console.error('storage: snapshot failed (the WAL is kept, nothing is lost):', err))
      .finally(() => (this.snapshotting = undefined));
  }

  /** Write a snapshot now and drop the WAL segments it covers. */
  async snapshot(): Promise<string> {
    this.check();
    let state!: ReturnType<typeof captureSnapshot>;
    const seq = await this.wal.rotate((closedSeq) => {
      state = captureSnapshot(this.mvcc, this.lessor, closedSeq);
    });
    const file = await writeSnapshot(this.snapDir, state);
    this.wal.removeUpTo(seq);
    pruneSnapshots(this.snapDir, file);
    return file;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leaseTimer?.cancel();
    await this.snapshotting;
    await this.wal.close();
    this.hub.closeAll('store closed');
    this.lock?.release();
  }
}

function validateKey(key: unknown): void {
  if (typeof key !== 'string' || key === '') throw new ErrInvalidRequest('etcdserver: key is not provided');
}
