// Store workloads, identical for every backend: each takes a Store and a key
// prefix and returns what it measured. Values are 1 KB, as in etcd's own
// benchmarks and ../shared/ref/etcd-baseline.md.

import { prefixEnd, type Store } from '../../src/storage/index.js';

export const VALUE_SIZE = 1024;
const FILL = 'v'.repeat(VALUE_SIZE);

/** A distinct, flat 1 KiB value per key, as real objects are. */
export function valueFor(k: string): string {
  return Buffer.from((k + FILL).slice(0, VALUE_SIZE)).toString();
}

export interface Rate {
  opsPerSec: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function rate(latencies: number[], elapsedMs: number): Rate {
  latencies.sort((a, b) => a - b);
  return {
    opsPerSec: (latencies.length / elapsedMs) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Run `total` calls of `op` with `concurrency` in flight; per-op latency in ms. */
export async function drive(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Rate> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      await op(i);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return rate(latencies, performance.now() - started);
}

export const key = (prefix: string, i: number): string => `${prefix}${String(i).padStart(8, '0')}`;

export function sequentialPut(store: Store, prefix: string, n: number): Promise<Rate> {
  return drive(n, 1, (i) => store.put({ key: key(prefix, i), value: valueFor(key(prefix, i)) }));
}

export function concurrentPut(store: Store, prefix: string, n: number, concurrency = 64): Promise<Rate> {
  return drive(n, concurrency, (i) => store.put({ key: key(prefix, i), value: valueFor(key(prefix, i)) }));
}

export function gets(store: Store, prefix: string, n: number, keys: number, concurrency: number): Promise<Rate> {
  return drive(n, concurrency, (i) => store.range({ key: key(prefix, i % keys) }));
}

/** Median of `reads` prefix ranges over `prefix` (values included); checks the count. */
export async function prefixRange(store: Store, prefix: string, expect: number, reads = 5): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < reads; r++) {
    const t = performance.now();
    const resp = await store.range({ key: prefix, rangeEnd: prefixEnd(prefix) });
    times.push(performance.now() - t);
    if (resp.kvs.length !== expect) throw new Error(`prefix range returned ${resp.kvs.length}, want ${expect}`);
  }
  times.sort((a, b) => a - b);
  return percentile(times, 50);
}

/** Put → event latency for `n` sequential puts under one watch. */
export async function watchLatency(store: Store, prefix: string, n: number): Promise<{ p50: number; p99: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let waiting: (() => void) | undefined;
  const watcher = await store.watch({ key: prefix, rangeEnd: prefixEnd(prefix) }, (resp) => {
    const now = performance.now();
    for (const e of resp.events) {
      const t = sentAt.get(e.kv.key);
      if (t !== undefined) latencies.push(now - t);
    }
    waiting?.();
  });
  try {
    for (let i = 0; i < n; i++) {
      const k = key(prefix, i);
      const seen = new Promise<void>((resolve) => (waiting = resolve));
      sentAt.set(k, performance.now());
      await store.put({ key: k, value: valueFor(k) });
      await Promise.race([seen, timeout(5000, `no watch event for ${k}`)]);
    }
  } finally {
    await watcher.cancel();
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(what)), ms).unref());
}
