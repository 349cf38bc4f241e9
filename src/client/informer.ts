// A shared index informer, after client-go's: list (paged), then watch from
// the list's resourceVersion with bookmarks; resume a dropped watch from the
// last resourceVersion seen; on 410 re-list and deliver the difference
// (adds, updates, and tombstoned deletes for what vanished); back off on
// failures; resync handlers periodically. Many handlers share one cache.
//
// Unlike client-go there is no DeltaFIFO or per-listener goroutine: the event
// loop is single-threaded, so each change updates the cache and then calls
// the handlers synchronously, in registration order. Handlers should be
// quick (enqueue a key) and must not mutate the objects they are given.

import type { Status } from '../api/status.js';
import { StatusError } from '../api/status.js';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { DeletedFinalStateUnknown, Indexer, Lister, type Indexers, type KeyFunc } from './cache.js';
import { isResourceExpired } from './errors.js';
import type { ListOptions, ObjectLike, ObjectList, WatchOptions } from './resource-client.js';
import type { SelectorInput } from './selector.js';
import type { WatchEvent, WatchStream } from './watch.js';

/** What an informer lists and watches; a ResourceClient (optionally namespaced) is one. */
export interface ListerWatcher<T> {
  list(options: ListOptions): Promise<ObjectList<T>>;
  watch(options: WatchOptions): Promise<WatchStream<T>>;
}

export interface ResourceEventHandler<T> {
  /** isInInitialList: the object came with the first list (or the synthetic adds of a late handler). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** Also called with old === new on resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** A tombstone when the deletion was noticed by a re-list, with the last known state. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface HandlerRegistration {
  /** Stop calling this handler (and its resync timer). */
  remove(): void;
  /** The handler has been given the initial list. */
  hasSynced(): boolean;
}

export interface HandlerOptions {
  /** Resync this handler at its own period (default: the informer's). 0 turns it off. */
  resyncPeriodMs?: number;
}

export interface InformerOptions<T> {
  /** For log lines and errors (default "<apiVersion>/<kind>" when built from a client, else "informer"). */
  name?: string;
  clock?: Clock;
  /** Re-deliver every cached object to handlers as onUpdate(obj, obj) this often; 0 (default) = never. */
  resyncPeriodMs?: number;
  /** List page size (default 500; 0 lists in one call). */
  pageSize?: number;
  labelSelector?: SelectorInput;
  fieldSelector?: string | Record<string, string>;
  indexers?: Indexers<T>;
  keyFunc?: KeyFunc<T>;
  backoff?: BackoffOptions;
  /** Random source for backoff jitter and watch timeouts (default Math.random). */
  random?: () => number;
  /** Watches ask the server to end them after [min, 2·min) seconds (default 300). */
  minWatchTimeoutSeconds?: number;
  /** Failures of list and watch (before a retry) and exceptions thrown by handlers. */
  onError?: (err: unknown) => void;
}

/** client-go's "very short watch": a watch that ends this fast with no events counts as a failure. */
const MIN_WATCH_DURATION_MS = 1000;

type WatchOutcome = 'rewatch' | 'relist';

export class SharedIndexInformer<T extends ObjectLike = ObjectLike> {
  readonly indexer: Indexer<T>;
  readonly name: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: Backoff;
  private readonly registrations = new Set<Registration<T>>();
  private readonly controller = new AbortController();
  private started = false;
  private synced = false;
  private lastRV = '';
  private loop: Promise<void> | undefined;
  private syncWaiters: Array<(synced: boolean) => void> = [];
  private currentWatch: WatchStream<T> | undefined;
  private relistsWithoutProgress = 0;

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(this.clock, options.backoff, this.random);
    this.name = options.name ?? 'informer';
    this.indexer = new Indexer<T>({ ...(options.keyFunc ? { keyFunc: options.keyFunc } : {}), ...(options.indexers ? { indexers: options.indexers } : {}) });
  }

  /** Read the cache through a lister. */
  lister(): Lister<T> {
    return new Lister(this.indexer);
  }

  /** Add indexes; allowed at any time (existing objects are indexed at once). */
  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  /**
   * Register a handler. If the cache already holds objects, the handler first gets an
   * onAdd(obj, true) for each (synchronously, before this returns).
   */
  addEventHandler(handler: ResourceEventHandler<T>, options: HandlerOptions = {}): HandlerRegistration {
    const registration = new Registration(this.host, handler, options.resyncPeriodMs ?? this.options.resyncPeriodMs ?? 0);
    if (this.controller.signal.aborted) return registration;
    for (const obj of this.indexer.list()) registration.call('onAdd', () => handler.onAdd?.(obj, true));
    this.registrations.add(registration);
    if (this.synced) registration.scheduleResync();
    return registration;
  }

  removeEventHandler(registration: HandlerRegistration): void {
    registration.remove();
  }

  /** Start listing and watching (idempotent). Aborting `signal` stops the informer. */
  start(signal?: AbortSignal): void {
    if (this.started || this.controller.signal.aborted) return;
    this.started = true;
    if (signal) {
      if (signal.aborted) {
        void this.stop();
        return;
      }
      signal.addEventListener('abort', () => void this.stop(), { once: true, signal: this.controller.signal });
    }
    this.loop = this.run(this.controller.signal);
  }

  /** Stop everything: the request in flight, the watch, backoff and resync timers. Resolves when the loop has exited. */
  async stop(): Promise<void> {
    if (!this.controller.signal.aborted) {
      this.controller.abort();
      this.currentWatch?.stop();
      for (const registration of this.registrations) registration.cancelResync();
      this.resolveWaiters(false);
    }
    await this.loop;
  }

  get isStopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** The first list has been delivered to the cache and the handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if the informer stops or `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.controller.signal.aborted || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        resolve(false);
      };
      const waiter = (synced: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      this.syncWaiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The resourceVersion of the last list, event or bookmark seen. */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  // -------------------------------------------------------------------------
  // The reflector loop.

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAndReplace(signal);
          needList = false;
        }
        if (signal.aborted) break;
        const outcome = await this.watchOnce(signal);
        if (outcome === 'relist') {
          needList = true;
          // A server that answers every fresh watch with 410 must not make us spin.
          if (this.relistsWithoutProgress++ > 0) await sleep(this.clock, this.backoff.next(), signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        this.reportError(err);
        await sleep(this.clock, this.backoff.next(), signal);
      }
    }
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const list = await this.pagedList(signal);
    if (signal.aborted) return;
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = this.indexer.keyOf(item);
      seen.add(key);
      const old = this.indexer.add(item);
      if (old === undefined) this.distribute('onAdd', (h) => h.onAdd?.(item, initial));
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.distribute('onUpdate', (h) => h.onUpdate?.(old, item));
    }
    for (const key of this.indexer.listKeys()) {
      if (seen.has(key)) continue;
      const old = this.indexer.deleteByKey(key)!;
      const tombstone = new DeletedFinalStateUnknown(key, old);
      this.distribute('onDelete', (h) => h.onDelete?.(tombstone));
    }
    this.lastRV = list.metadata?.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      this.resolveWaiters(true);
      for (const registration of this.registrations) registration.scheduleResync();
    }
  }

  /** Gather every page before touching the cache, so a re-list is applied at once. */
  private async pagedList(signal: AbortSignal): Promise<ObjectList<T>> {
    const base: ListOptions = {
      ...(this.options.labelSelector !== undefined ? { labelSelector: this.options.labelSelector } : {}),
      ...(this.options.fieldSelector !== undefined ? { fieldSelector: this.options.fieldSelector } : {}),
      signal,
    };
    const pageSize = this.options.pageSize ?? 500;
    if (pageSize <= 0) return this.lw.list(base);
    let page = await this.lw.list({ ...base, limit: pageSize });
    const items = [...page.items];
    while (page.metadata?.continue) {
      try {
        page = await this.lw.list({ ...base, limit: pageSize, continue: page.metadata.continue });
      } catch (err) {
        // The snapshot behind the continue token was compacted: list again, unpaged.
        if (isResourceExpired(err)) return this.lw.list(base);
        throw err;
      }
      items.push(...page.items);
    }
    return { ...page, items };
  }

  private async watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    const start = this.clock.now();
    const minTimeout = this.options.minWatchTimeoutSeconds ?? 300;
    let stream: WatchStream<T>;
    try {
      stream = await this.lw.watch({
        ...(this.lastRV ? { resourceVersion: this.lastRV } : {}),
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(minTimeout * (1 + this.random())),
        ...(this.options.labelSelector !== undefined ? { labelSelector: this.options.labelSelector } : {}),
        ...(this.options.fieldSelector !== undefined ? { fieldSelector: this.options.fieldSelector } : {}),
        signal,
      });
    } catch (err) {
      if (isResourceExpired(err)) return 'relist';
      throw err;
    }
    this.currentWatch = stream;
    const iterator = stream[Symbol.asyncIterator]();
    let events = 0;
    const madeProgress = (): boolean => events > 0 || this.clock.now() - start >= MIN_WATCH_DURATION_MS;
    try {
      for (;;) {
        let next: IteratorResult<WatchEvent<T>>;
        try {
          next = await iterator.next();
        } catch (err) {
          // A broken connection ends the watch like a close does: resume from the last
          // resourceVersion, at once if this watch got anywhere, else after a backoff.
          if (signal.aborted || madeProgress()) break;
          throw err;
        }
        if (next.done || signal.aborted) break;
        const event = next.value;
        if (event.type === 'ERROR') {
          const err = StatusError.fromStatus(event.object as Partial<Status>);
          if (isResourceExpired(err)) return 'relist';
          throw err;
        }
        events++;
        this.relistsWithoutProgress = 0;
        this.handleEvent(event);
      }
    } finally {
      stream.stop();
      void iterator.return?.();
      this.currentWatch = undefined;
    }
    if (!signal.aborted && !madeProgress()) {
      throw new Error(`${this.name}: very short watch: the watch ended within a second without any event`);
    }
    return 'rewatch';
  }

  private handleEvent(event: WatchEvent<T>): void {
    if (event.type === 'ERROR') return;
    const obj = event.object;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.indexer.add(obj);
        if (old === undefined) this.distribute('onAdd', (h) => h.onAdd?.(obj, false));
        else this.distribute('onUpdate', (h) => h.onUpdate?.(old, obj));
        break;
      }
      case 'DELETED': {
        this.indexer.delete(obj);
        this.distribute('onDelete', (h) => h.onDelete?.(obj));
        break;
      }
      case 'BOOKMARK':
        break;
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.lastRV = rv;
  }

  // -------------------------------------------------------------------------
  // Handlers.

  private distribute(what: string, call: (handler: ResourceEventHandler<T>) => void): void {
    if (this.controller.signal.aborted) return;
    for (const registration of [...this.registrations]) {
      if (registration.active) registration.call(what, () => call(registration.handler));
    }
  }

  /** What registrations may use of the informer. */
  private readonly host: RegistrationHost<T> = {
    clock: () => this.clock,
    name: () => this.name,
    hasSynced: () => this.synced,
    isStopped: () => this.controller.signal.aborted,
    unregister: (registration) => this.registrations.delete(registration),
    reportError: (err) => this.reportError(err),
    resync: (registration) => {
      if (!this.synced || this.controller.signal.aborted) return;
      for (const obj of this.indexer.list()) {
        if (!registration.active) return;
        registration.call('onUpdate', () => registration.handler.onUpdate?.(obj, obj));
      }
    },
  };

  private reportError(err: unknown): void {
    if (this.options.onError) this.options.onError(err);
    else console.warn(`${this.name}: ${err instanceof Error ? err.message : String(err)}`);
  }

  private resolveWaiters(synced: boolean): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const waiter of waiters) waiter(synced);
  }
}

interface RegistrationHost<T extends ObjectLike> {
  clock(): Clock;
  name(): string;
  hasSynced(): boolean;
  isStopped(): boolean;
  unregister(registration: Registration<T>): void;
  reportError(err: unknown): void;
  resync(registration: Registration<T>): void;
}

class Registration<T extends ObjectLike> implements HandlerRegistration {
  active = true;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly host: RegistrationHost<T>,
    readonly handler: ResourceEventHandler<T>,
    private readonly resyncPeriodMs: number,
  ) {}

  remove(): void {
    this.active = false;
    this.cancelResync();
    this.host.unregister(this);
  }

  hasSynced(): boolean {
    return this.host.hasSynced();
  }

  call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.host.reportError(new Error(`${this.host.name()}: event handler ${what} threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
  }

  scheduleResync(): void {
    if (this.resyncPeriodMs <= 0 || !this.active || this.timer) return;
    this.timer = this.host.clock().setTimeout(() => {
      this.timer = undefined;
      if (!this.active || this.host.isStopped()) return;
      this.host.resync(this);
      this.scheduleResync();
    }, this.resyncPeriodMs);
  }

  cancelResync(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

/** An informer for a resource client (scope it with `.namespace(ns)` first to watch one namespace). */
export function createInformer<T extends ObjectLike>(
  resource: ListerWatcher<T> & { info?: { apiVersion: string; kind: string } },
  options: InformerOptions<T> = {},
): SharedIndexInformer<T> {
  const name = options.name ?? (resource.info ? `${resource.info.apiVersion}/${resource.info.kind}` : undefined);
  return new SharedIndexInformer<T>(resource, { ...options, ...(name ? { name } : {}) });
}
