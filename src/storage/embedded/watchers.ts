// Watchers over the MVCC index, after etcd's watchableStore. Each watcher
// remembers the next revision it owes its listener; `pump` sends everything
// from there up to the committed revision out of the revision log, so
// catching up on history and following new commits are the same code path,
// and a watcher can never see a gap, a duplicate, or an unacknowledged write.

import { inRange } from '../keys.js';
import type { KeyValue, WatchEvent, WatchListener, WatchRequest, WatchResponse, Watcher } from '../types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { isTombstone, type MvccIndex } from './mvcc.js';

/** Most events in one response; a revision is never split. */
const MAX_EVENTS_PER_RESPONSE = 1000;

class StoreWatcher implements Watcher {
  /** The next revision this watcher has not yet delivered. */
  nextRev: number;
  sentSinceTick = false;
  canceled = false;
  private readonly noPut: boolean;
  private readonly noDelete: boolean;

  constructor(
    readonly id: number,
    readonly req: WatchRequest,
    readonly listener: WatchListener,
    startRev: number,
    private readonly hub: WatcherHub,
  ) {
    this.nextRev = startRev;
    this.noPut = req.filters?.includes('noput') ?? false;
    this.noDelete = req.filters?.includes('nodelete') ?? false;
  }

  matches(kv: KeyValue): boolean {
    if (!inRange(kv.key, this.req.key, this.req.rangeEnd)) return false;
    return isTombstone(kv) ? !this.noDelete : !this.noPut;
  }

  requestProgress(): void {
    queueMicrotask(() => this.hub.progress(this));
  }

  async cancel(): Promise<void> {
    this.hub.remove(this);
  }
}

export class WatcherHub {
  private readonly watchers = new Set<StoreWatcher>();
  private nextId = 1;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly mvcc: MvccIndex,
    private readonly committed: () => number,
    private readonly clock: Clock,
    private readonly progressIntervalMs: number,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Register a watcher; its history (if any) is sent from a microtask. */
  add(req: WatchRequest, listener: WatchListener, startRev: number): Watcher {
    const w = new StoreWatcher(this.nextId++, req, listener, startRev, this);
    this.watchers.add(w);
    queueMicrotask(() => this.pump(w));
    if (req.progressNotify) this.armTimer();
    return w;
  }

  remove(w: StoreWatcher): void {
    w.canceled = true;
    this.watchers.delete(w);
  }

  /** New revisions were committed: bring every watcher up to date. */
  notify(): void {
    for (const w of this.watchers) this.pump(w);
  }

  pump(w: StoreWatcher): void {
    if (w.canceled) return;
    const upTo = this.committed();
    if (w.nextRev > upTo) return;
    if (w.nextRev < this.mvcc.compactRevision) {
      this.end(w, {
        header: { revision: upTo },
        events: [],
        canceled: true,
        compactRevision: this.mvcc.compactRevision,
        cancelReason: 'mvcc: required revision has been compacted',
      });
      return;
    }
    const log = this.mvcc.log;
    let events: WatchEvent[] = [];
    for (let i = this.mvcc.logIndexFrom(w.nextRev); i < log.length && log[i].rev <= upTo; i++) {
      for (const kv of log[i].kvs) {
        if (!w.matches(kv)) continue;
        const event: WatchEvent = { type: isTombstone(kv) ? 'DELETE' : 'PUT', kv };
        if (w.req.prevKv) {
          const prev = this.mvcc.previousOf(kv);
          if (prev) event.prevKv = prev;
        }
        events.push(event);
      }
      // Send at the end of what is committed, or once a response is full —
      // always between revisions, never inside one.
      const flush = i + 1 >= log.length || log[i + 1].rev > upTo || events.length >= MAX_EVENTS_PER_RESPONSE;
      if (events.length > 0 && flush) {
        this.send(w, { header: { revision: upTo }, events });
        if (w.canceled) return;
        events = [];
      }
    }
    w.nextRev = upTo + 1;
  }

  progress(w: StoreWatcher): void {
    if (w.canceled) return;
    this.pump(w);
    if (w.canceled) return;
    this.send(w, { header: { revision: this.committed() }, events: [], progressNotify: true });
  }

  private send(w: StoreWatcher, resp: WatchResponse): void {
    w.sentSinceTick = true;
    try {
      w.listener(resp);
    } catch (err) {
      // A listener's bug must not stop delivery to everyone else.
      console.error(`storage: watch listener ${w.id} threw:`, err);
    }
  }

  private end(w: StoreWatcher, resp: WatchResponse): void {
    this.remove(w);
    this.send(w, resp);
  }

  private armTimer(): void {
    if (this.timer || this.progressIntervalMs <= 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      let any = false;
      for (const w of this.watchers) {
        if (!w.req.progressNotify) continue;
        any = true;
        if (!w.sentSinceTick) this.progress(w);
        w.sentSinceTick = false;
      }
      if (any) this.armTimer();
    }, this.progressIntervalMs);
  }

  /** End every watch (the store is closing). */
  closeAll(reason: string): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (const w of [...this.watchers]) {
      this.end(w, { header: { revision: this.committed() }, events: [], canceled: true, cancelReason: reason });
    }
  }
}
