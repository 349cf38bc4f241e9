// One store watch = one etcd Watch stream carrying one etcd watcher, driven
// through the raw bidirectional stream so every detail of etcd's answers is
// kept (created, compact_revision, cancel_reason, progress notifications).
//
// - Creation: start() resolves on etcd's `created` response; the server has
//   registered the watcher by then, so nothing after it is missed.
// - Resume: when the stream breaks (etcd restarted, connection lost), a new
//   stream re-creates the watcher from `nextRev` = last delivered revision + 1
//   (or the revision a progress notification confirmed + 1), retrying with
//   backoff until it works or the watch is canceled. Events at or below the
//   last delivered event's revision are dropped, so a resume never duplicates.
// - Progress: etcd's periodic notifications (progress_notify, sent through the
//   watcher's own event channel, so ordered with the events) are passed on as
//   they are. A requested progress (WatchProgressRequest) is answered by
//   etcd ≤ 3.4.24 from a different channel than the events, so it can overtake
//   events of an older revision (etcd-io/etcd#15220), and before a catching-up
//   watcher has synced it reports a revision whose events were not sent yet.
//   So a request is confirmed in rounds: probe, probe again, and only when no
//   other message came between two answers is the first answer's revision
//   delivered (or, on a busy stream, as soon as an event at or past that
//   revision arrives, since one watcher's events come in revision order); a
//   watcher that may still be catching up waits out etcd's sync interval first.

import type { Etcd3, IDuplexStream, IWatchRequest, IWatchResponse } from 'etcd3';
import { ErrClosed, ErrCompacted, ErrInvalidRequest, ErrUnavailable, type StorageError } from '../errors.js';
import type { WatchListener, WatchRequest, WatchResponse, Watcher } from '../types.js';
import { num, watchCreateRequest, watchEvent } from './convert.js';

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

/** What a watch needs from its store. */
export interface WatchHost {
  readonly client: Etcd3;
  isClosed(): boolean;
  /** How long the first creation may take before watch() rejects ErrUnavailable. */
  readonly dialTimeoutMs: number;
  /** Client-side idle progress interval for watches with progressNotify (undefined: etcd's own only). */
  readonly progressNotifyIntervalMs?: number;
  noteCompactRevision(rev: number): void;
  mapError(err: unknown): StorageError;
  watchDone(w: EtcdWatch): void;
}

const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 2000;
/**
 * etcd moves catching-up watchers to "synced" every 100 ms, silently when
 * there was nothing to send: allow several passes before trusting a probe.
 */
const UNSYNCED_GRACE_MS = 1000;
/** etcd's watchBatchMaxRevs: a catch-up response holds at most this many revisions. */
const WATCH_BATCH_MAX_REVS = 1000;
/**
 * Pause before the confirming probe: gives etcd's send loop time to flush
 * events that were queued behind the previous answer.
 */
const PROBE_GAP_MS = 20;

export class EtcdWatch implements Watcher {
  private stream?: WatchStream;
  private gen = 0;
  /**
   * Where a resumed stream starts: the revision after the last event or
   * confirmed progress; 0 until the first creation when startRevision was 0.
   */
  private nextRev: number;
  /** The revision of the last delivered event: later responses never repeat one. */
  private lastEventRev = 0;
  private resolved = false;
  private done = false;
  private queue: WatchResponse[] = [];
  private backoffMs = BACKOFF_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private createdOnStream = false;

  private settle?: { resolve(): void; reject(err: Error): void };

  // progress confirmation
  private progressWanted = false;
  private probeInFlight = false;
  private probeRev: number | undefined;
  private activity = false;
  private probeTimer?: NodeJS.Timeout;
  private maybeUnsynced = false;
  private unsyncedSince = 0;
  private lastDelivered = Date.now();
  private idleTimer?: NodeJS.Timeout;

  constructor(
    readonly id: number,
    private readonly host: WatchHost,
    private readonly req: WatchRequest,
    private readonly listener: WatchListener,
  ) {
    this.nextRev = req.startRevision ?? 0;
    // Validate now so a bad request rejects instead of looping.
    watchCreateRequest(req, this.nextRev);
  }

  /** Resolves once etcd has created the watcher. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => {
        const what = JSON.stringify(this.req.key);
        this.fail(new ErrUnavailable(`etcd: watch on ${what} not created within ${this.host.dialTimeoutMs} ms`));
      }, this.host.dialTimeoutMs);
      this.settle = {
        resolve: () => {
          clearTimeout(deadline);
          resolve();
        },
        reject: (err) => {
          clearTimeout(deadline);
          reject(err);
        },
      };
      void this.connect();
    }).then(() => {
      // Hand over what arrived before the caller got the Watcher.
      setImmediate(() => this.flush());
    });
  }

  requestProgress(): void {
    if (this.done) return;
    this.progressWanted = true;
    if (this.createdOnStream && !this.probeInFlight && !this.probeTimer) this.startProbe();
  }

  async cancel(): Promise<void> {
    this.finish();
  }

  /** Stop without telling the listener (store closed, or canceled by the user). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.gen++;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.probeTimer);
    clearInterval(this.idleTimer);
    this.queue = [];
    const stream = this.stream;
    this.stream = undefined;
    if (stream) closeStream(stream);
    this.host.watchDone(this);
    if (!this.resolved) {
      this.resolved = true;
      this.settle?.reject(new ErrClosed());
    }
  }

  /** The first creation failed for good. */
  private fail(err: Error): void {
    if (this.resolved) return;
    this.resolved = true;
    this.settle?.reject(err);
    this.finish();
  }

  // -------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (this.done) return;
    const gen = ++this.gen;
    this.createdOnStream = false;
    this.probeInFlight = false;
    this.probeRev = undefined;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    let stream: WatchStream;
    try {
      stream = await this.host.client.watchClient.watch();
    } catch (err) {
      this.onStreamFailure(gen, err);
      return;
    }
    if (this.done || gen !== this.gen) {
      closeStream(stream);
      return;
    }
    this.stream = stream;
    stream.on('data', (res: IWatchResponse) => this.onData(gen, res));
    stream.on('error', (err: Error) => this.onStreamFailure(gen, err));
    stream.on('end', () => this.onStreamFailure(gen, new Error('etcd watch stream ended')));
    stream.write({ create_request: watchCreateRequest(this.req, this.nextRev) });
  }

  private onStreamFailure(gen: number, err: unknown): void {
    if (gen !== this.gen || this.done) return;
    this.gen++;
    const stream = this.stream;
    this.stream = undefined;
    this.createdOnStream = false;
    if (stream) closeStream(stream);
    if (this.host.isClosed()) {
      this.finish();
      return;
    }
    const mapped = this.host.mapError(err);
    if (mapped.code === 'Closed') {
      this.finish();
      return;
    }
    // Reconnect; before the first creation the start() deadline bounds this.
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.reconnectTimer = setTimeout(() => void this.connect(), wait);
  }

  private onData(gen: number, res: IWatchResponse): void {
    if (gen !== this.gen || this.done) return;
    const rev = num(res.header?.revision);

    if (res.created) {
      if (res.canceled) {
        this.endByServer(rev, 0, res.cancel_reason || 'etcd refused to create the watch', true);
        return;
      }
      this.createdOnStream = true;
      this.backoffMs = BACKOFF_MIN_MS;
      if (this.nextRev === 0) this.nextRev = rev + 1;
      // A watcher that starts at or below the current revision catches up
      // first; etcd does not say when it is done.
      this.maybeUnsynced = this.nextRev <= rev;
      this.unsyncedSince = Date.now();
      this.activity = true;
      if (!this.resolved) {
        this.resolved = true;
        this.settle?.resolve();
        this.armIdleProgress();
      }
      if (this.progressWanted) this.startProbe();
      return;
    }

    if (res.canceled) {
      this.endByServer(rev, num(res.compact_revision), res.cancel_reason, false);
      return;
    }

    const events = res.events ?? [];
    if (events.length > 0) {
      this.activity = true;
      const lastRev = num(events[events.length - 1].kv?.mod_revision);
      // etcd's notify path (synced watchers) sends header = the events' revision;
      // a catch-up batch carries the store's current revision instead, and is
      // the last one (the watcher is synced) unless it hit etcd's cap of
      // 1000 revisions per batch.
      const wasUnsynced = this.maybeUnsynced;
      if (rev === lastRev || distinctRevisions(events) < WATCH_BATCH_MAX_REVS) this.maybeUnsynced = false;
      else if (this.maybeUnsynced) this.unsyncedSince = Date.now();
      // A probe waiting out the sync grace can go now.
      if (wasUnsynced && !this.maybeUnsynced && this.progressWanted && !this.probeInFlight) this.startProbe();
      const mapped = events.map(watchEvent).filter((e) => e.kv.modRevision > this.lastEventRev);
      if (mapped.length === 0) return;
      this.lastEventRev = mapped[mapped.length - 1].kv.modRevision;
      if (this.nextRev <= this.lastEventRev) this.nextRev = this.lastEventRev + 1;
      this.deliver({ header: { revision: rev }, events: mapped });
      // One watcher's events arrive in revision order: an event at or past a
      // probe's revision confirms that revision however busy the stream is.
      if (this.progressWanted && this.probeRev !== undefined && this.lastEventRev >= this.probeRev) {
        this.confirmProgress(this.lastEventRev);
      }
      return;
    }

    if (String(res.watch_id) === '-1') {
      this.onProbeReply(rev);
      return;
    }

    // A periodic progress notification for this watcher: etcd sends these only
    // to synced watchers, through the same channel as events.
    this.maybeUnsynced = false;
    this.activity = true;
    this.confirmProgress(rev);
  }

  private endByServer(rev: number, compactRevision: number, reason: string | undefined, atCreate: boolean): void {
    if (compactRevision > 0) this.host.noteCompactRevision(compactRevision);
    if (!this.resolved) {
      const err =
        compactRevision > 0
          ? new ErrCompacted(compactRevision, this.nextRev)
          : atCreate
            ? new ErrInvalidRequest(`etcd: ${reason}`)
            : new ErrUnavailable(`etcd: watch canceled: ${reason || 'no reason given'}`);
      this.fail(err);
      return;
    }
    const resp: WatchResponse = { header: { revision: rev }, events: [], canceled: true };
    if (compactRevision > 0) {
      resp.compactRevision = compactRevision;
      resp.cancelReason = reason || 'mvcc: required revision has been compacted';
    } else {
      resp.cancelReason = reason || 'canceled by etcd';
    }
    this.deliver(resp);
    this.finish();
  }

  private deliver(resp: WatchResponse): void {
    if (this.done) return;
    this.lastDelivered = Date.now();
    if (!this.resolved || this.queue.length > 0) {
      this.queue.push(resp);
      return;
    }
    this.call(resp);
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const resp = this.queue.shift()!;
      this.call(resp);
    }
  }

  private call(resp: WatchResponse): void {
    try {
      this.listener(resp);
    } catch (err) {
      // Never let a listener's bug break the stream; surface it instead.
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  // ---- progress -------------------------------------------------------------

  private armIdleProgress(): void {
    const interval = this.host.progressNotifyIntervalMs;
    if (!this.req.progressNotify || !interval || interval <= 0) return;
    this.idleTimer = setInterval(() => {
      if (Date.now() - this.lastDelivered >= interval) this.requestProgress();
    }, interval);
    this.idleTimer.unref?.();
  }

  private startProbe(): void {
    this.probeRev = undefined;
    this.activity = false;
    this.sendProbe();
  }

  private sendProbe(): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (this.done || !this.stream || !this.createdOnStream) return;
    this.probeInFlight = true;
    try {
      this.stream.write({ progress_request: {} });
    } catch (err) {
      this.probeInFlight = false;
      this.onStreamFailure(this.gen, err);
    }
  }

  private laterProbe(ms: number): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.sendProbe();
    }, ms);
  }

  private onProbeReply(rev: number): void {
    this.probeInFlight = false;
    if (!this.progressWanted) return;
    if (this.maybeUnsynced) {
      const wait = this.unsyncedSince + UNSYNCED_GRACE_MS - Date.now();
      if (wait > 0) {
        this.probeRev = undefined;
        this.activity = false;
        this.laterProbe(wait);
        return;
      }
      this.maybeUnsynced = false;
    }
    // Quiet since the previous answer: nothing of revision <= probeRev can
    // still be queued behind it.
    if (this.probeRev !== undefined && !this.activity) {
      this.confirmProgress(this.probeRev);
      return;
    }
    this.probeRev = rev;
    this.activity = false;
    this.laterProbe(PROBE_GAP_MS);
  }

  /** Everything up to `rev` has been delivered: say so. */
  private confirmProgress(rev: number): void {
    this.progressWanted = false;
    this.probeRev = undefined;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (this.nextRev <= rev) this.nextRev = rev + 1;
    this.deliver({ header: { revision: rev }, events: [], progressNotify: true });
  }
}

/**
 * End our side first, then cancel: etcd3 treats an error on a still-writable
 * stream as a failed host and recreates every gRPC client of it, which our
 * own cancel must not trigger.
 */
export function closeStream(stream: { end(): void; cancel(): void }): void {
  try {
    stream.end();
  } catch {
    // already ended
  }
  try {
    stream.cancel();
  } catch {
    // already closed
  }
}

function distinctRevisions(events: Array<{ kv: { mod_revision: string } | null }>): number {
  let n = 0;
  let last: string | undefined;
  for (const e of events) {
    const r = e.kv?.mod_revision;
    if (r !== last) {
      n++;
      last = r;
    }
  }
  return n;
}
