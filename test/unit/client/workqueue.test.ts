// Work queue semantics (client-go's), delays and rate limiting on a fake
// clock, and the p-queue worker runner.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/util/clock.js';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  runWorkers,
  WorkQueue,
} from '../../../src/client/workqueue.js';
import { settle, waitFor } from './support/wait.js';

describe('WorkQueue', () => {
  it('hands items out in order and collapses duplicates', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('re-queues an item added while it is processed only after done()', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const item = await q.get();
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0); // not handed to a second worker
    let second: string | undefined;
    void q.get().then((i) => (second = i));
    await settle();
    expect(second).toBeUndefined();
    q.done(item!);
    await settle();
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('wakes waiting getters in order', async () => {
    const q = new WorkQueue<string>();
    const got: string[] = [];
    const g1 = q.get().then((i) => got.push(`1:${i}`));
    const g2 = q.get().then((i) => got.push(`2:${i}`));
    q.add('x');
    q.add('y');
    await Promise.all([g1, g2]);
    expect(got).toEqual(['1:x', '2:y']);
  });

  it('adds after a delay on the clock, earliest first; an earlier addAfter wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('late', 300);
    q.addAfter('early', 100);
    q.addAfter('mid', 200);
    q.addAfter('late', 50); // moves earlier
    q.addAfter('early', 500); // a later time does not postpone it
    q.addAfter('now', 0);
    expect(q.len()).toBe(1);
    expect(q.delayedLen()).toBe(3);
    clock.advance(49);
    expect(q.len()).toBe(1);
    clock.advance(1);
    expect(q.len()).toBe(2); // + late
    clock.advance(50);
    expect(q.len()).toBe(3); // + early
    clock.advance(100);
    expect(q.len()).toBe(4); // + mid
    expect(q.delayedLen()).toBe(0);
    expect(clock.pending()).toBe(0);
    const order: string[] = [];
    while (q.len() > 0) order.push((await q.get())!);
    expect(order).toEqual(['now', 'late', 'early', 'mid']);
  });

  it('backs off per item with addRateLimited, growing to the cap, until forgotten', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, baseDelayMs: 5, maxDelayMs: 40 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      q.addRateLimited('k');
      let waited = 0;
      while (q.len() === 0) {
        clock.advance(1);
        waited++;
      }
      delays.push(waited);
      q.done((await q.get())!);
    }
    expect(delays).toEqual([5, 10, 20, 40, 40, 40]);
    expect(q.numRequeues('k')).toBe(6);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
    q.addRateLimited('k');
    clock.advance(4);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it('ignores adds after shutdown, hands out what is queued, then resolves getters with undefined', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.add('queued');
    q.addAfter('delayed', 100);
    q.shutdown();
    expect(q.shuttingDown()).toBe(true);
    expect(clock.pending()).toBe(0);
    q.add('ignored');
    q.addRateLimited('ignored');
    expect(await q.get()).toBe('queued');
    expect(await q.get()).toBeUndefined();

    const q2 = new WorkQueue<string>();
    const waiting = q2.get();
    q2.shutdown();
    expect(await waiting).toBeUndefined();
  });

  it('shutdownWithDrain waits for items being processed', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const item = (await q.get())!;
    let drained = false;
    const draining = q.shutdownWithDrain().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    q.done(item);
    await draining;
    expect(drained).toBe(true);
  });
});

describe('rate limiters', () => {
  it('item exponential: base·2^n capped, per item, reset by forget', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    const delays = Array.from({ length: 30 }, () => rl.when('a'));
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(rl.when('b')).toBe(5);
    expect(rl.numRequeues('a')).toBe(30);
    rl.forget('a');
    expect(rl.when('a')).toBe(5);
    // A huge count does not overflow into NaN or Infinity.
    for (let i = 0; i < 2000; i++) rl.when('c');
    expect(rl.when('c')).toBe(1_000_000);
  });

  it('token bucket: burst free, then 1/qps apart, refilled over time', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter<string>(2, 2, clock);
    expect([rl.when(), rl.when(), rl.when(), rl.when()]).toEqual([0, 0, 500, 1000]);
    clock.advance(10_000);
    expect(rl.when()).toBe(0);
  });

  it('max-of combines the two, as the default controller limiter does with a bucket', () => {
    const clock = new FakeClock();
    const combined = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter(5, 1000), new BucketRateLimiter(1, 1, clock));
    expect(combined.when('a')).toBe(5);
    expect(combined.when('b')).toBe(1000); // the bucket is empty
    expect(combined.numRequeues('a')).toBe(1);
    combined.forget('a');
    expect(combined.numRequeues('a')).toBe(0);
    const dflt = defaultControllerRateLimiter<string>({ bucket: { qps: 10, burst: 100 }, clock });
    expect(dflt.when('x')).toBe(5);
  });
});

describe('runWorkers', () => {
  it('never processes one key concurrently, at concurrency 4, and processes every key after its last add', async () => {
    const q = new WorkQueue<string>();
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const active = new Set<string>();
    let maxParallel = 0;
    let overlaps = 0;
    const lastAdd = new Map<string, number>();
    const lastStart = new Map<string, number>();
    let tick = 0;
    const running = runWorkers(q, 4, async (key) => {
      if (active.has(key)) overlaps++;
      active.add(key);
      lastStart.set(key, ++tick);
      maxParallel = Math.max(maxParallel, active.size);
      for (let i = 0; i < 1 + (key.charCodeAt(0) % 3); i++) await new Promise((r) => setImmediate(r));
      active.delete(key);
    });
    for (let round = 0; round < 200; round++) {
      const key = keys[(round * 7 + (round >> 2)) % keys.length];
      q.add(key);
      lastAdd.set(key, ++tick);
      if (round % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => keys.every((k) => (lastStart.get(k) ?? 0) > (lastAdd.get(k) ?? 0)) && active.size === 0 && q.len() === 0, 'every key processed after its last add');
    q.shutdown();
    await running;
    expect(overlaps).toBe(0);
    expect(maxParallel).toBeGreaterThan(1);
    expect(maxParallel).toBeLessThanOrEqual(4);
  });

  it('forgets on success, requeues with backoff on error, and honours requeueAfterMs', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, baseDelayMs: 100 });
    const calls: string[] = [];
    let failuresLeft = 2;
    const errors: string[] = [];
    const running = runWorkers(
      q,
      2,
      async (key) => {
        calls.push(key);
        if (key === 'flaky' && failuresLeft-- > 0) throw new Error(`fail ${failuresLeft}`);
        if (key === 'periodic' && calls.filter((c) => c === 'periodic').length === 1) return { requeueAfterMs: 5_000 };
        return undefined;
      },
      { onError: (err) => errors.push((err as Error).message) },
    );
    q.add('flaky');
    q.add('periodic');
    await waitFor(() => calls.length === 2 && errors.length === 1, 'first round');
    await waitFor(() => q.delayedLen() === 2, 'both delayed');
    expect(q.numRequeues('flaky')).toBe(1);
    clock.advance(100);
    await waitFor(() => errors.length === 2, 'the first retry');
    expect(q.numRequeues('flaky')).toBe(2);
    clock.advance(199);
    await settle();
    expect(calls.filter((c) => c === 'flaky')).toHaveLength(2);
    clock.advance(1);
    await waitFor(() => calls.filter((c) => c === 'flaky').length === 3, 'the second retry');
    await waitFor(() => q.numRequeues('flaky') === 0, 'forgotten after success');
    expect(calls.filter((c) => c === 'periodic')).toHaveLength(1);
    clock.advance(5_000);
    await waitFor(() => calls.filter((c) => c === 'periodic').length === 2, 'the requeueAfter');
    await settle();
    expect(q.delayedLen()).toBe(0);
    q.shutdown();
    await running;
    expect(clock.pending()).toBe(0);
  });

  it('requeue: true retries with backoff without an error', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, baseDelayMs: 10 });
    let n = 0;
    const running = runWorkers(q, 1, () => (++n < 3 ? { requeue: true } : undefined));
    q.add('k');
    await waitFor(() => n === 1 && q.delayedLen() === 1, 'first');
    clock.advance(10);
    await waitFor(() => n === 2 && q.delayedLen() === 1, 'second');
    clock.advance(20);
    await waitFor(() => n === 3, 'third');
    await waitFor(() => q.numRequeues('k') === 0, 'forgotten');
    q.shutdown();
    await running;
  });

  it('drains queued keys after shutdown and resolves when in-flight work ends', async () => {
    const q = new WorkQueue<string>();
    const done: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = runWorkers(q, 1, async (key) => {
      await gate;
      done.push(key);
    });
    q.add('a');
    q.add('b');
    await settle();
    q.shutdown();
    let finished = false;
    void running.then(() => (finished = true));
    await settle();
    expect(finished).toBe(false);
    release();
    await running;
    expect(done).toEqual(['a', 'b']);
  });
});
