// Exponential backoff on an injected clock, as client-go's reflector uses it
// between failed list/watch attempts: 800 ms doubling to 30 s, each delay
// stretched by up to `jitter` times itself, and reset after two quiet minutes.

import type { Clock } from '../util/clock.js';

export interface BackoffOptions {
  /** First delay (default 800 ms). */
  initialMs?: number;
  /** Largest delay before jitter (default 30 s). */
  maxMs?: number;
  /** Growth per failure (default 2). */
  factor?: number;
  /** Each delay grows by a random fraction of itself up to this (default 1.0: [d, 2d)). */
  jitter?: number;
  /** After this long without a backoff, start again from initialMs (default 2 min). */
  resetAfterMs?: number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly resetAfterMs: number;
  private current: number | undefined;
  private lastAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 1.0;
    this.resetAfterMs = options.resetAfterMs ?? 120_000;
  }

  /** The delay before the next attempt. */
  next(): number {
    const now = this.clock.now();
    if (this.current === undefined || (this.lastAt !== undefined && now - this.lastAt > this.resetAfterMs)) {
      this.current = this.initialMs;
    } else {
      this.current = Math.min(this.current * this.factor, this.maxMs);
    }
    this.lastAt = now;
    return Math.round(this.current + this.current * this.jitter * this.random());
  }

  reset(): void {
    this.current = undefined;
    this.lastAt = undefined;
  }
}

/** Resolve after `ms` of the clock, or at once when the signal aborts (no timer is left behind). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
