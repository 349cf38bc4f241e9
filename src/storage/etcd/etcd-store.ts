// The Store interface on a real etcd v3 cluster, through the `etcd3`
// package's low-level RPC clients (kv, leaseClient, maintenance, watchClient).
//
// etcd3's own fault handling (retries and a circuit breaker) is switched off:
// a retried put or txn could apply twice, and an open circuit would fail calls
// for seconds after etcd is back. Every unary call gets a deadline instead;
// watches reconnect by themselves (watch.ts).
//
// compactRevision: etcd reports it only inside a compacted watch's cancel.
// The store remembers the highest compaction it has seen (its own compact()
// calls, watch cancels) and confirms it with a read at that revision: reads
// at revision r fail with "compacted" exactly when r < etcd's compact
// revision, so when the read fails (someone else compacted) a binary search
// over [known, current] with count-only reads finds it exactly.

import { Etcd3, type IOptions } from 'etcd3';
import {
  ErrClosed,
  ErrCompacted,
  ErrDuplicateKey,
  ErrFutureRev,
  ErrInvalidRequest,
  ErrKeyNotFound,
  ErrLeaseExists,
  ErrLeaseNotFound,
  type StorageError,
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
import {
  deleteRangeRequest,
  deleteRangeResponse,
  duplicateKeyIn,
  findPut,
  header,
  leaseId,
  num,
  putRequest,
  putResponse,
  rangeRequest,
  rangeResponse,
  txnRequest,
  txnResponse,
} from './convert.js';
import { basicStorageError, classifyEtcdError } from './errors.js';
import { KeepAliveChannel } from './keepalive.js';
import { EtcdWatch, type WatchHost } from './watch.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379"]. */
  endpoints: string[];
  /**
   * How long a watch creation or a lease keepalive may wait for etcd before
   * failing with ErrUnavailable (default 5000).
   */
  dialTimeoutMs?: number;
  /** Deadline of every unary request (default 30000). */
  requestTimeoutMs?: number;
  /**
   * Client-side idle progress: a watch with progressNotify that delivered
   * nothing for this long asks etcd for progress. Unset: only etcd's own
   * notifications (its --experimental-watch-progress-notify-interval, 10 min
   * by default).
   */
  progressNotifyIntervalMs?: number;
  auth?: { username: string; password: string };
}

const PROBE_KEY = Buffer.from([0]);

/** Context for turning an etcd error into the store's sentinel error. */
interface ErrorContext {
  revision?: number;
  /**
   * A revision known to be below the compact revision when etcd says
   * "compacted" (default: `revision`; compact(r) fails already when r == C).
   */
  belowCompact?: number;
  key?: string;
  lease?: string;
  txn?: TxnRequest;
}

/** etcd3's fault-handling policies, replaced by a pass-through: no retries, no circuit breaker. */
const passThrough = {
  execute<T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    return Promise.resolve().then(() => fn({ signal: signal ?? new AbortController().signal, attempt: 0 }));
  },
};

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

export class EtcdStore implements Store {
  readonly client: Etcd3;
  private closed = false;
  private knownCompact = 0;
  private nextWatchId = 1;
  private readonly watchers = new Set<EtcdWatch>();
  private readonly keepAlives: KeepAliveChannel;
  private readonly watchHost: WatchHost;
  readonly dialTimeoutMs: number;
  readonly requestTimeoutMs: number;

  constructor(opts: EtcdStoreOptions) {
    if (!opts.endpoints || opts.endpoints.length === 0) throw new ErrInvalidRequest('etcd store: no endpoints given');
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 5000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    const requestTimeoutMs = this.requestTimeoutMs;
    const policy = passThrough as unknown as Policy;
    this.client = new Etcd3({
      hosts: opts.endpoints,
      auth: opts.auth,
      dialTimeout: this.dialTimeoutMs,
      grpcOptions: {
        'grpc.max_receive_message_length': -1,
        'grpc.max_send_message_length': -1,
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1_000,
      },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
      faultHandling: { host: () => policy, global: policy },
    });
    this.keepAlives = new KeepAliveChannel(this.client, this.dialTimeoutMs, (err) => this.plainError(err));
    this.watchHost = {
      client: this.client,
      dialTimeoutMs: this.dialTimeoutMs,
      progressNotifyIntervalMs: opts.progressNotifyIntervalMs,
      isClosed: () => this.closed,
      noteCompactRevision: (rev) => {
        if (rev > this.knownCompact) this.knownCompact = rev;
      },
      mapError: (err) => this.plainError(err),
      watchDone: (w) => this.watchers.delete(w),
    };
  }

  // ---- KV ------------------------------------------------------------------

  async range(req: RangeRequest): Promise<RangeResponse> {
    const res = await this.call(() => this.client.kv.range(rangeRequest(req)), { revision: req.revision, key: req.key });
    return rangeResponse(res);
  }

  async put(req: PutRequest): Promise<PutResponse> {
    const res = await this.call(() => this.client.kv.put(putRequest(req)), { key: req.key, lease: req.lease });
    return putResponse(res);
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    const res = await this.call(() => this.client.kv.deleteRange(deleteRangeRequest(req)), { key: req.key });
    return deleteRangeResponse(res);
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    const res = await this.call(() => this.client.kv.txn(txnRequest(req)), { txn: req });
    return txnResponse(res);
  }

  async compact(revision: number): Promise<CompactResponse> {
    if (!Number.isInteger(revision) || revision < 0) {
      throw new ErrInvalidRequest(`compact: revision must be a non-negative integer, got ${revision}`);
    }
    const res = await this.call(() => this.client.kv.compact({ revision, physical: false }), {
      revision,
      belowCompact: revision - 1,
    });
    if (revision > this.knownCompact) this.knownCompact = revision;
    return { header: header(res.header) };
  }

  // ---- watch ---------------------------------------------------------------

  async watch(req: WatchRequest, listener: WatchListener): Promise<Watcher> {
    if (this.closed) throw new ErrClosed();
    const start = req.startRevision ?? 0;
    if (!Number.isInteger(start) || start < 0) {
      throw new ErrInvalidRequest(`watch: startRevision must be a non-negative integer, got ${start}`);
    }
    const w = new EtcdWatch(this.nextWatchId++, this.watchHost, req, listener);
    // etcd creates a watcher on compacted history and cancels it a moment
    // later; check first so the promise itself rejects.
    if (start > 0 && !(await this.readableAt(start))) {
      throw new ErrCompacted(await this.discoverCompactRevision(start), start);
    }
    if (this.closed) throw new ErrClosed();
    this.watchers.add(w);
    await w.start();
    return w;
  }

  // ---- leases --------------------------------------------------------------

  async leaseGrant(ttl: number, id?: string): Promise<LeaseGrantResponse> {
    if (!Number.isInteger(ttl)) throw new ErrInvalidRequest(`lease TTL must be an integer, got ${ttl}`);
    const wanted = leaseId(id);
    const res = await this.call(() => this.client.leaseClient.leaseGrant({ TTL: ttl, ID: wanted }), { lease: wanted });
    if (res.error) throw new ErrInvalidRequest(`etcd: ${res.error}`);
    return { header: header(res.header), id: String(res.ID), ttl: num(res.TTL) };
  }

  async leaseRevoke(id: string): Promise<{ header: ResponseHeader }> {
    const lease = leaseId(id);
    const res = await this.call(() => this.client.leaseClient.leaseRevoke({ ID: lease }), { lease });
    return { header: header(res.header) };
  }

  async leaseKeepAlive(id: string): Promise<LeaseKeepAliveResponse> {
    if (this.closed) throw new ErrClosed();
    const lease = leaseId(id);
    try {
      return await this.keepAlives.keepAlive(lease);
    } catch (err) {
      if (this.closed) throw new ErrClosed();
      throw err;
    }
  }

  async leaseTimeToLive(id: string, opts?: { keys?: boolean }): Promise<LeaseTimeToLiveResponse> {
    const lease = leaseId(id);
    const res = await this.call(() => this.client.leaseClient.leaseTimeToLive({ ID: lease, keys: !!opts?.keys }), {
      lease,
    });
    const ttl = num(res.TTL);
    return {
      header: header(res.header),
      id: String(res.ID ?? lease),
      ttl: ttl < 0 ? -1 : ttl,
      grantedTtl: ttl < 0 ? 0 : num(res.grantedTTL),
      keys: (res.keys ?? []).map((k) => k.toString('utf8')),
    };
  }

  async leaseLeases(): Promise<string[]> {
    const res = await this.call(() => this.client.leaseClient.leaseLeases(), {});
    return (res.leases ?? []).map((l) => String(l.ID));
  }

  // ---- maintenance ---------------------------------------------------------

  async status(): Promise<StoreStatus> {
    const res = await this.call(() => this.client.maintenance.status(), {});
    const compactRevision = await this.call(() => this.discoverCompactRevision(0), {});
    return {
      header: header(res.header),
      compactRevision,
      version: `etcd ${res.version}`,
      dbSize: num(res.dbSize),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watchers]) w.finish();
    this.watchers.clear();
    this.keepAlives.close(new ErrClosed());
    this.client.close();
  }

  // ---- internals -----------------------------------------------------------

  /** Run one request, turning etcd's errors into the store's. */
  private async call<T>(fn: () => Promise<T>, ctx: ErrorContext): Promise<T> {
    if (this.closed) throw new ErrClosed();
    try {
      return await fn();
    } catch (err) {
      throw await this.toStorageError(err, ctx);
    }
  }

  /** Errors that need no lookups (used by watches and keepalives). */
  plainError(err: unknown): StorageError {
    return basicStorageError(err, this.closed);
  }

  private async toStorageError(err: unknown, ctx: ErrorContext): Promise<StorageError> {
    if (this.closed) return new ErrClosed();
    const kind = classifyEtcdError(err);
    const requested = ctx.revision ?? (ctx.txn ? txnRevision(ctx.txn) : 0);
    try {
      switch (kind) {
        case 'compacted':
          return new ErrCompacted(await this.discoverCompactRevision(ctx.belowCompact ?? requested), requested);
        case 'futureRev':
          return new ErrFutureRev(await this.currentRevision(), requested);
        case 'leaseNotFound':
          return new ErrLeaseNotFound(ctx.lease ?? txnLease(ctx.txn) ?? '0');
        case 'leaseExists':
          return new ErrLeaseExists(ctx.lease ?? '0');
        case 'keyNotFound':
          return new ErrKeyNotFound(
            ctx.key ?? (ctx.txn ? findPut(ctx.txn, (p) => !!(p.ignoreValue || p.ignoreLease))?.key : undefined) ?? '',
          );
        case 'duplicateKey':
          return new ErrDuplicateKey((ctx.txn && duplicateKeyIn(ctx.txn)) ?? ctx.key ?? '');
        default:
          return this.plainError(err);
      }
    } catch (lookupErr) {
      // The follow-up lookup failed (etcd went away): report that.
      return this.plainError(lookupErr);
    }
  }

  private async currentRevision(): Promise<number> {
    const res = await this.client.kv.range({ key: PROBE_KEY, count_only: true });
    return num(res.header?.revision);
  }

  /** Can revision `rev` still be read? False exactly when rev < etcd's compact revision. */
  private async readableAt(rev: number): Promise<boolean> {
    try {
      await this.client.kv.range({ key: PROBE_KEY, revision: rev, count_only: true });
      return true;
    } catch (err) {
      const kind = classifyEtcdError(err);
      if (kind === 'compacted') return false;
      if (kind === 'futureRev') return true;
      throw this.plainError(err);
    }
  }

  /**
   * etcd's compact revision C: the smallest revision still readable (0 when
   * never compacted). `failing`, when > 0, is a revision known to be below C.
   */
  private async discoverCompactRevision(failing: number): Promise<number> {
    let bad = Math.max(failing, this.knownCompact - 1, 0);
    const first = Math.max(bad + 1, this.knownCompact, 1);
    let good: number;
    if (await this.readableAt(first)) {
      good = first;
    } else {
      bad = first;
      good = await this.currentRevision();
      if (good <= bad) good = bad + 1;
    }
    while (good - bad > 1) {
      const mid = Math.floor((bad + good) / 2);
      if (await this.readableAt(mid)) good = mid;
      else bad = mid;
    }
    // Revision 1 is readable both before any compaction and after compact(1).
    const c = bad === 0 && good === 1 ? Math.min(this.knownCompact, 1) : good;
    if (c > this.knownCompact) this.knownCompact = c;
    return c;
  }
}

/** The highest revision a txn reads at (for ErrCompacted / ErrFutureRev). */
function txnRevision(req: TxnRequest): number {
  let max = 0;
  for (const ops of [req.success, req.failure]) {
    for (const op of ops ?? []) {
      if ('range' in op && op.range.revision && op.range.revision > max) max = op.range.revision;
      if ('txn' in op) max = Math.max(max, txnRevision(op.txn));
    }
  }
  return max;
}

function txnLease(req: TxnRequest | undefined): string | undefined {
  if (!req) return undefined;
  return findPut(req, (p) => !!p.lease && p.lease !== '0' && !p.ignoreLease)?.lease;
}

/** A Store on real etcd v3. Connects lazily: the first request dials. */
export function createEtcdStore(opts: EtcdStoreOptions): Store {
  return new EtcdStore(opts);
}
