// A work queue with client-go's semantics (util/workqueue): keys are handed
// out in the order they were added; a key queued twice is queued once; a key
// is never handed to two workers at once — adding it while it is being
// processed queues it again once done() is called. On top: delayed adds on an
// injected clock, per-key exponential backoff (optionally capped overall by a
// token bucket), and runWorkers, a p-queue–driven worker pool with
// controller-runtime's result handling.

import PQueue from 'p-queue';
import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';

// ---------------------------------------------------------------------------
// Rate limiters.

export interface RateLimiter<T> {
  /** How long to wait before `item` may be retried (and count the retry). */
  when(item: T): number;
  /** Stop tracking `item` (it succeeded). */
  forget(item: T): void;
  /** Failures recorded for `item` since it was last forgotten. */
  numRequeues(item: T): number;
}

/** base · 2^failures, capped at max (client-go: 5 ms … 1000 s). */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 1_000_000,
  ) {}

  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    const delay = this.baseDelayMs * 2 ** exp;
    return Number.isFinite(delay) ? Math.min(delay, this.maxDelayMs) : this.maxDelayMs;
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * An overall token bucket: `qps` tokens a second, holding at most `burst`. Each retry takes a
 * token, waiting for one when the bucket is empty (reservations queue up, as golang.org/x/time/rate's do).
 */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps = 10,
    readonly burst = 100,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(): void {}

  numRequeues(): number {
    return 0;
  }
}

/** The largest delay of several limiters (e.g. per-item backoff and an overall bucket). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(item)));
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    return Math.max(0, ...this.limiters.map((l) => l.numRequeues(item)));
  }
}

export interface RateLimiterOptions {
  /** Per-item backoff start (default 5 ms). */
  baseDelayMs?: number;
  /** Per-item backoff cap (default 1000 s). */
  maxDelayMs?: number;
  /** An overall token bucket on top (client-go's default controller limiter uses {qps: 10, burst: 100}). */
  bucket?: { qps: number; burst: number };
  clock?: Clock;
}

/** Per-item exponential backoff, with an overall token bucket when `bucket` is given. */
export function defaultControllerRateLimiter<T>(options: RateLimiterOptions = {}): RateLimiter<T> {
  const perItem = new ItemExponentialFailureRateLimiter<T>(options.baseDelayMs ?? 5, options.maxDelayMs ?? 1_000_000);
  if (!options.bucket) return perItem;
  return new MaxOfRateLimiter<T>(perItem, new BucketRateLimiter<T>(options.bucket.qps, options.bucket.burst, options.clock ?? systemClock));
}

// ---------------------------------------------------------------------------
// The queue.

export interface WorkQueueOptions<T> extends RateLimiterOptions {
  name?: string;
  /** Drives addAfter and addRateLimited (default: the system clock). */
  clock?: Clock;
  /** Replaces the limiter built from baseDelayMs / maxDelayMs / bucket. */
  rateLimiter?: RateLimiter<T>;
}

interface Delayed<T> {
  at: number;
  seq: number;
  item: T;
}

export class WorkQueue<T = string> {
  readonly name: string;
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter<T>;
  /** FIFO of items to hand out: each is in `dirty` and not in `processing`. */
  private queue: T[] = [];
  private head = 0;
  /** Items that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<T>();
  /** Items handed out and not yet done(). */
  private readonly processing = new Set<T>();
  private getters: Array<(item: T | undefined) => void> = [];
  private shutDown = false;
  private drainWaiters: Array<() => void> = [];
  // The delaying part: item → when it becomes ready, and a min-heap over those times.
  private readonly waiting = new Map<T, number>();
  private heap: Delayed<T>[] = [];
  private seq = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(options: WorkQueueOptions<T> = {}) {
    this.name = options.name ?? '';
    this.clock = options.clock ?? systemClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<T>({ ...options, clock: this.clock });
  }

  /** Queue an item unless it is already queued; ignored after shutdown. */
  add(item: T): void {
    if (this.shutDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return; // queued again by done()
    this.queue.push(item);
    this.handOut();
  }

  /** Items waiting to be handed out (not counting those being processed or delayed). */
  len(): number {
    return this.queue.length - this.head;
  }

  /**
   * The next item, waiting for one if needed. Resolves undefined once the queue is shut
   * down and empty; after shutdown, items still queued are handed out first.
   * Call done(item) when finished with it.
   */
  get(): Promise<T | undefined> {
    if (this.len() > 0) return Promise.resolve(this.take());
    if (this.shutDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Finish processing an item; if it was added meanwhile, it is queued again. */
  done(item: T): void {
    if (!this.processing.delete(item)) return;
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.handOut();
    }
    if (this.processing.size === 0) this.releaseDrainWaiters();
  }

  /** Stop accepting items, drop delayed ones, and release waiting get() calls. */
  shutdown(): void {
    if (this.shutDown) return;
    this.shutDown = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.waiting.clear();
    this.heap = [];
    const getters = this.getters;
    this.getters = [];
    for (const resolve of getters) resolve(undefined);
    if (this.processing.size === 0) this.releaseDrainWaiters();
  }

  /** shutdown(), then resolve once every item handed out has been done(). */
  shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.shutDown;
  }

  /**
   * Add the item after `delayMs` of the clock. If it is already waiting, the earlier
   * time wins. Zero or less adds at once.
   */
  addAfter(item: T, delayMs: number): void {
    if (this.shutDown) return;
    if (!(delayMs > 0)) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + delayMs;
    const existing = this.waiting.get(item);
    if (existing !== undefined && existing <= at) return;
    this.waiting.set(item, at);
    this.heapPush({ at, seq: this.seq++, item });
    this.armTimer();
  }

  /** Add the item after the rate limiter's delay for it (per-item backoff). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Reset the item's backoff (call on success). */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** Items waiting for their addAfter time. */
  delayedLen(): number {
    return this.waiting.size;
  }

  private take(): T {
    const item = this.queue[this.head++];
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(item);
    this.processing.add(item);
    return item;
  }

  private handOut(): void {
    while (this.getters.length > 0 && this.len() > 0) this.getters.shift()!(this.take());
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // The delaying part ---------------------------------------------------------

  private armTimer(): void {
    this.dropStale();
    const next = this.heap[0];
    if (next === undefined) {
      this.timer?.cancel();
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= next.at) return;
    this.timer?.cancel();
    this.timerAt = next.at;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, next.at - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.shutDown) return;
    const now = this.clock.now();
    for (;;) {
      this.dropStale();
      const next = this.heap[0];
      if (next === undefined || next.at > now) break;
      this.heapPop();
      this.waiting.delete(next.item);
      this.add(next.item);
    }
    this.armTimer();
  }

  /** Pop heap entries superseded by an earlier addAfter of the same item. */
  private dropStale(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.waiting.get(top.item) === top.at) return;
      this.heapPop();
    }
  }

  private heapPush(entry: Delayed<T>): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private heapPop(): Delayed<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < heap.length && before(heap[l], heap[min])) min = l;
        if (r < heap.length && before(heap[r], heap[min])) min = r;
        if (min === i) break;
        [heap[i], heap[min]] = [heap[min], heap[i]];
        i = min;
      }
    }
    return top;
  }
}

function before<T>(a: Delayed<T>, b: Delayed<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

// ---------------------------------------------------------------------------
// Workers.

/** What a reconcile may ask for besides success: a check again later. */
export type ReconcileResult = void | undefined | {
  /** Process the key again after this long (its backoff is reset first). */
  requeueAfterMs?: number;
  /** Process the key again after its rate-limited backoff, without counting an error. */
  requeue?: boolean;
};

export interface RunWorkersOptions<T> {
  /** Called with each failure (the key is requeued with backoff either way). */
  onError?: (err: unknown, item: T) => void;
}

/**
 * Process keys from the queue with up to `concurrency` reconciles at a time (p-queue),
 * as controller-runtime does: success forgets the key's backoff (and re-adds it after
 * requeueAfterMs if asked), an error re-adds it rate-limited. Resolves once the queue is
 * shut down, drained, and every reconcile in flight has finished.
 */
export async function runWorkers<T>(
  queue: WorkQueue<T>,
  concurrency: number,
  reconcile: (item: T) => Promise<ReconcileResult> | ReconcileResult,
  options: RunWorkersOptions<T> = {},
): Promise<void> {
  if (!(concurrency >= 1)) throw new Error(`concurrency must be at least 1, got ${concurrency}`);
  const pool = new PQueue({ concurrency });
  const onError =
    options.onError ??
    ((err: unknown, item: T) => console.warn(`workqueue${queue.name ? ` ${queue.name}` : ''}: reconciling ${String(item)} failed: ${err instanceof Error ? err.message : String(err)}`));

  const processItem = async (item: T): Promise<void> => {
    try {
      const result = await reconcile(item);
      if (result?.requeue) {
        queue.addRateLimited(item);
      } else {
        queue.forget(item);
        if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) queue.addAfter(item, result.requeueAfterMs);
      }
    } catch (err) {
      queue.addRateLimited(item);
      try {
        onError(err, item);
      } catch {
        // an error reporter must not stop the workers
      }
    } finally {
      queue.done(item);
    }
  };

  for (;;) {
    const item = await queue.get();
    if (item === undefined) break;
    void pool.add(() => processItem(item));
    // Take the next key only when a worker is free for it, so keys wait in the work
    // queue (where re-adds collapse) rather than in the pool.
    await pool.onSizeLessThan(1);
  }
  await pool.onIdle();
}
