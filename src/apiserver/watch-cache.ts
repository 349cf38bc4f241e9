// One store watch per resource, shared by every API watcher of it, after
// kube-apiserver's cacher: each change is decoded once, its JSON line is
// serialized once, and a ring of recent events lets watchers start from a
// recent resourceVersion without a store watch of their own. Watchers whose
// start is older than the ring fall back to a direct store watch.

import { prefixEnd, type Store, type WatchResponse, type Watcher } from '../storage/index.js';
import type { Codec, Obj } from './registry/codec.js';
import type { ResourceInfo } from './registry/resources.js';

export interface CachedEvent {
  rev: number;
  key: string;
  /** The object after a PUT; undefined for a DELETE. */
  obj?: Obj;
  /** The object before (with the event's resourceVersion for a DELETE). */
  prev?: Obj;
  /** Serialized watch lines by event type, filled on first use. */
  lines: Map<string, string>;
}

export interface CacheSubscriber {
  /** Only keys starting with this. */
  keyPrefix: string;
  /** Only this exact key (a field selector on metadata.name). */
  exactKey?: string;
  /** First revision this subscriber wants. */
  fromRev: number;
  onEvent(e: CachedEvent): void;
  /** Every event up to `rev` has been delivered. */
  onProgress(rev: number): void;
  /** The cache lost its store watch (e.g. history compacted during an outage). */
  onEnd(reason: string): void;
}

const RING = 8192;

export class WatchCache {
  private watcher: Watcher | undefined;
  private startRev = 0;
  private lastRev = 0;
  private readonly ring: CachedEvent[] = [];
  private readonly subscribers = new Set<CacheSubscriber>();
  private progressTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly r: ResourceInfo,
    private readonly store: Store,
    private readonly codec: Codec,
    private readonly progressIntervalMs: number,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  start(): Promise<void> {
    this.starting ??= this.open().catch((err) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async open(): Promise<void> {
    const { header } = await this.store.status();
    this.startRev = header.revision + 1;
    this.lastRev = header.revision;
    this.watcher = await this.store.watch(
      { key: this.r.prefix, rangeEnd: prefixEnd(this.r.prefix), startRevision: this.startRev, prevKv: true, progressNotify: true },
      (resp) => this.onStore(resp),
    );
    this.progressTimer = setInterval(() => this.watcher?.requestProgress(), this.progressIntervalMs);
    this.progressTimer.unref?.();
  }

  /**
   * Subscribe from `fromRev`, replaying what the ring holds. Returns false
   * (and subscribes nothing) when the ring does not reach back that far.
   */
  subscribe(sub: CacheSubscriber): boolean {
    if (!this.watcher || this.closed) return false;
    const oldest = this.ring.length > 0 ? this.ring[0].rev : this.lastRev + 1;
    const covered = sub.fromRev >= this.startRev && (sub.fromRev >= oldest || this.ring.length < RING);
    if (!covered) return false;
    for (const e of this.ring) if (e.rev >= sub.fromRev && matches(sub, e.key)) sub.onEvent(e);
    this.subscribers.add(sub);
    return true;
  }

  unsubscribe(sub: CacheSubscriber): void {
    this.subscribers.delete(sub);
  }

  get size(): number {
    return this.subscribers.size;
  }

  private onStore(resp: WatchResponse): void {
    if (resp.canceled) {
      this.log(`watch cache ${this.r.plural}: store watch ended (${resp.cancelReason ?? 'canceled'}); restarting`);
      for (const s of this.subscribers) s.onEnd(resp.cancelReason ?? 'watch cache restarted');
      this.subscribers.clear();
      this.ring.length = 0;
      this.reset();
      return;
    }
    if (resp.progressNotify) {
      this.lastRev = Math.max(this.lastRev, resp.header.revision);
      for (const s of this.subscribers) s.onProgress(this.lastRev);
      return;
    }
    for (const ev of resp.events) {
      let e: CachedEvent;
      try {
        e = {
          rev: ev.kv.modRevision,
          key: ev.kv.key,
          obj: ev.type === 'PUT' ? this.codec.decode(this.r, ev.kv) : undefined,
          prev: ev.prevKv ? this.codec.decode(this.r, { value: ev.prevKv.value, modRevision: ev.kv.modRevision }) : undefined,
          lines: new Map(),
        };
      } catch (err) {
        this.log(`watch cache ${this.r.plural}: undecodable value at ${ev.kv.key}`, err);
        continue;
      }
      this.ring.push(e);
      if (this.ring.length > RING) this.ring.shift();
      this.lastRev = e.rev;
      for (const s of this.subscribers) if (e.rev >= s.fromRev && matches(s, e.key)) s.onEvent(e);
    }
  }

  private reset(): void {
    clearInterval(this.progressTimer);
    void this.watcher?.cancel();
    this.watcher = undefined;
    this.starting = undefined;
    if (!this.closed) void this.start().catch((err) => this.log(`watch cache ${this.r.plural}: restart failed`, err));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.progressTimer);
    await this.watcher?.cancel();
    for (const s of this.subscribers) s.onEnd('server shutting down');
    this.subscribers.clear();
  }
}

function matches(s: CacheSubscriber, key: string): boolean {
  return s.exactKey !== undefined ? key === s.exactKey : key.startsWith(s.keyPrefix);
}
