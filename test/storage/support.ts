// Helpers shared by the storage tests: polling with a deadline (never a fixed
// sleep), a watch collector, error assertions and temp dirs.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { StorageError, type StorageErrorCode } from '../../src/storage/errors.js';
import type { Store, WatchEvent, WatchRequest, WatchResponse, Watcher } from '../../src/storage/types.js';

export interface WaitForOptions {
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
  /** Poll this often (default 20 ms). */
  intervalMs?: number;
  /** Prefix of the error thrown on timeout. */
  message?: string;
}

/**
 * Polls `fn` until it returns something other than undefined/false/null and
 * resolves with that. A throw counts as "not yet" (so `expect` can be used
 * inside); on timeout the last error (or a timeout error) is thrown.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const intervalMs = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const what = opts.message ?? 'condition';
      if (lastError instanceof Error) {
        lastError.message = `waitFor(${what}) timed out after ${timeoutMs} ms: ${lastError.message}`;
        throw lastError;
      }
      throw new Error(`waitFor(${what}) timed out after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

type ErrorClass = abstract new (...args: never[]) => StorageError;

/** Awaits `p`, expecting it to reject with `cls` (checked by class and by code). */
export async function expectStorageError<E extends StorageError>(
  p: Promise<unknown>,
  cls: abstract new (...args: never[]) => E,
  code: StorageErrorCode,
): Promise<E> {
  let result: unknown;
  try {
    result = await p;
  } catch (err) {
    if (!(err instanceof StorageError)) {
      throw new Error(`expected ${cls.name} (code ${code}), got a non-StorageError: ${describeError(err)}`);
    }
    expect(err.code, `error code of ${describeError(err)}`).toBe(code);
    expect(err, `class of ${describeError(err)}`).toBeInstanceOf(cls as ErrorClass);
    return err as E;
  }
  throw new Error(`expected ${cls.name} (code ${code}), but the call resolved with ${safeJson(result)}`);
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 500) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Collects every response of one watch. */
export class WatchLog {
  readonly responses: WatchResponse[] = [];
  watcher?: Watcher;

  readonly listener = (resp: WatchResponse): void => {
    this.responses.push(resp);
  };

  /** Every event, flattened, in delivery order. */
  get events(): WatchEvent[] {
    return this.responses.flatMap((r) => r.events);
  }

  get progress(): WatchResponse[] {
    return this.responses.filter((r) => r.progressNotify);
  }

  get canceled(): WatchResponse | undefined {
    return this.responses.find((r) => r.canceled);
  }

  /** Waits until at least `n` events have arrived and returns them all. */
  async waitForEvents(n: number, timeoutMs = 10_000): Promise<WatchEvent[]> {
    await waitFor(() => this.events.length >= n, {
      timeoutMs,
      message: `${n} watch events (have ${this.events.length})`,
    });
    return this.events;
  }

  /** Waits for an event on `key` (optionally of a type) and returns the events up to and including it. */
  async waitForKey(key: string, type?: 'PUT' | 'DELETE', timeoutMs = 10_000): Promise<WatchEvent[]> {
    return waitFor(
      () => {
        const evs = this.events;
        const i = evs.findIndex((e) => e.kv.key === key && (type === undefined || e.type === type));
        return i >= 0 ? evs.slice(0, i + 1) : undefined;
      },
      { timeoutMs, message: `watch event on ${key}` },
    );
  }

  async cancel(): Promise<void> {
    await this.watcher?.cancel();
  }
}

/** Starts a watch that records into a fresh WatchLog. */
export async function startWatch(store: Store, req: WatchRequest): Promise<WatchLog> {
  const log = new WatchLog();
  log.watcher = await store.watch(req, log.listener);
  return log;
}

/** Short description of events for assertion messages: "PUT k@5". */
export function eventSummary(evs: WatchEvent[]): string[] {
  return evs.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`);
}

export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `gitplane-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Runs fn(i) for i in [0, n) with at most `concurrency` in flight. */
export async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  });
  await Promise.all(workers);
  return out;
}
