// Automatic compaction for any Store, after etcd's --auto-compaction modes:
// `revision` keeps the newest N revisions; `periodic` keeps roughly the
// history written in the last `retentionMs`, by compacting to the revision
// the store had one retention period ago (Kubernetes' apiserver does the
// same every 5 minutes).

import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { ErrCompacted } from './errors.js';
import type { Store } from './types.js';

export type CompactionPolicy =
  | { mode: 'revision'; retain: number; intervalMs?: number }
  | { mode: 'periodic'; retentionMs: number };

export interface Compactor {
  /** Run one round now (tests and `gitplane store compact`). Returns the revision compacted to, or 0. */
  runOnce(): Promise<number>;
  stop(): void;
}

export function startCompactor(store: Store, policy: CompactionPolicy, clock: Clock = systemClock): Compactor {
  // Periodic mode samples the revision every tenth of the period and
  // compacts to the sample taken a whole period ago.
  const samples: Array<{ at: number; revision: number }> = [];
  const interval = policy.mode === 'revision' ? (policy.intervalMs ?? 60_000) : Math.max(1, policy.retentionMs / 10);
  let timer: TimerHandle | undefined;
  let stopped = false;
  let last = 0;

  async function target(): Promise<number> {
    const status = await store.status();
    const now = clock.now();
    if (policy.mode === 'revision') return status.header.revision - policy.retain;
    samples.push({ at: now, revision: status.header.revision });
    let rev = 0;
    while (samples.length > 0 && now - samples[0].at >= policy.retentionMs) rev = samples.shift()!.revision;
    return rev;
  }

  async function runOnce(): Promise<number> {
    const rev = await target();
    if (rev <= last) return 0;
    try {
      await store.compact(rev);
    } catch (err) {
      if (!(err instanceof ErrCompacted)) throw err; // someone else compacted further
    }
    last = rev;
    return rev;
  }

  function schedule(): void {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      runOnce()
        .catch((err) => console.error('storage: compaction failed:', err))
        .finally(schedule);
    }, interval);
  }
  schedule();
  return {
    runOnce,
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
