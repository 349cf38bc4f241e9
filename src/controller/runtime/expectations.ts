// Controller expectations, after kube's ControllerExpectations: after a sync
// creates or deletes N pods, the controller waits until its informer has
// seen those N events before it counts pods again, so a lagging cache never
// makes it create twice. Expectations expire after a timeout in case an
// event was missed.

import type { Clock } from '../../util/clock.js';

const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation {
  add: number;
  del: number;
  at: number;
}

export class Expectations {
  private readonly items = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS,
  ) {}

  /** True when the controller may trust its cache for `key` again. */
  satisfied(key: string): boolean {
    const e = this.items.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.at > this.timeoutMs;
  }

  expect(key: string, creations: number, deletions: number): void {
    this.items.set(key, { add: creations, del: deletions, at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.items.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.items.get(key);
    if (e) e.del--;
  }

  /** A create or delete the controller issued failed: it will not be observed. */
  lowerExpectations(key: string, creations: number, deletions: number): void {
    const e = this.items.get(key);
    if (e) {
      e.add -= creations;
      e.del -= deletions;
    }
  }

  delete(key: string): void {
    this.items.delete(key);
  }
}
