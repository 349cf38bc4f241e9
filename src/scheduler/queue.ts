// The scheduling queue, after kube's PriorityQueue
// (internal/queue/scheduling_queue.go):
//   activeQ            pods ready to be tried, highest priority first, then oldest;
//   backoffQ           pods that failed and wait out a per-pod exponential backoff
//                      (initial · 2^(attempts-1), capped; 1 s → 10 s by default);
//   unschedulablePods  pods that did not fit, parked until a cluster event one of the
//                      plugins that rejected them cares about (node added or updated,
//                      an assigned pod added, updated or deleted) moves them back, or
//                      until they have waited longer than the leftover limit (60 s,
//                      checked every 30 s).
// A pod being scheduled is "in flight"; if a relevant event happens meanwhile and the
// attempt fails, the pod goes to backoffQ rather than unschedulablePods, so the event
// is not lost. Time comes from an injected Clock.

import type { Pod } from '../api/generated/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { ClusterEvent } from './framework/interface.js';
import { PodInfo } from './framework/types.js';
import { Heap } from './heap.js';

export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod was last added to the queue (or last failed). */
  timestamp: number;
  /** When the pod was first popped. */
  initialAttemptTimestamp: number | undefined;
  /** Scheduling attempts so far. */
  attempts: number;
  /** The plugins that rejected the pod in its last attempt (empty: an error, or none known). */
  unschedulablePlugins: Set<string>;
}

export interface SchedulingQueueOptions {
  clock: Clock;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Unschedulable pods older than this are retried anyway (default 60 s). */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** How often to look for such pods (default 30 s). */
  unschedulableFlushIntervalMs?: number;
  /** The events after which a pod rejected by this plugin may fit; undefined = any event. */
  eventsOf?: (plugin: string) => readonly ClusterEvent[] | undefined;
}

const keyOfPod = (pod: Pod): string => {
  const m = pod.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
};

/** What a pod update may change that matters to scheduling (status and metadata churn excluded). */
function schedulingRelevant(pod: Pod): string {
  return JSON.stringify([pod.spec, pod.metadata?.labels, pod.metadata?.annotations]);
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxInUnschedulable: number;
  private readonly flushInterval: number;
  private readonly eventsOf: (plugin: string) => readonly ClusterEvent[] | undefined;

  private readonly activeQ = new Heap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => a.podInfo.priority > b.podInfo.priority || (a.podInfo.priority === b.podInfo.priority && a.timestamp < b.timestamp),
  );
  private readonly backoffQ = new Heap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulablePods = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, { qp: QueuedPodInfo; cycle: number; updated: boolean }>();
  /** Incremented on every pop. */
  schedulingCycle = 0;
  private readonly lastEventCycle = new Map<ClusterEvent, number>();
  private waiter: (() => void) | undefined;
  private closed = false;
  private backoffTimer: TimerHandle | undefined;
  private backoffTimerAt = Infinity;
  private flushTimer: TimerHandle | undefined;

  constructor(opts: SchedulingQueueOptions) {
    this.clock = opts.clock;
    this.initialBackoff = opts.podInitialBackoffMs ?? 1000;
    this.maxBackoff = opts.podMaxBackoffMs ?? 10_000;
    this.maxInUnschedulable = opts.podMaxInUnschedulablePodsDurationMs ?? 60_000;
    this.flushInterval = opts.unschedulableFlushIntervalMs ?? 30_000;
    this.eventsOf = opts.eventsOf ?? (() => undefined);
  }

  /** Start the periodic flush of leftover unschedulable pods. */
  run(): void {
    if (this.closed || this.flushTimer) return;
    const tick = (): void => {
      if (this.closed) return;
      this.flushUnschedulablePodsLeftover();
      this.flushTimer = this.clock.setTimeout(tick, this.flushInterval);
    };
    this.flushTimer = this.clock.setTimeout(tick, this.flushInterval);
  }

  close(): void {
    this.closed = true;
    this.flushTimer?.cancel();
    this.backoffTimer?.cancel();
    this.wake();
  }

  // ---------------------------------------------------------------------------
  // Pods coming and going (informer events).

  /** A new pending pod. */
  add(pod: Pod): void {
    const key = keyOfPod(pod);
    if (this.has(key)) {
      this.update(pod);
      return;
    }
    this.activeQ.add(this.newQueued(new PodInfo(pod)));
    this.wake();
  }

  /** A pending pod changed. */
  update(pod: Pod): void {
    const key = keyOfPod(pod);
    const flight = this.inFlight.get(key);
    if (flight) {
      if (schedulingRelevant(flight.qp.podInfo.pod) !== schedulingRelevant(pod)) flight.updated = true;
      flight.qp.podInfo = new PodInfo(pod);
      return;
    }
    const active = this.activeQ.get(key);
    if (active) {
      active.podInfo = new PodInfo(pod);
      this.activeQ.add(active);
      return;
    }
    const backoff = this.backoffQ.get(key);
    if (backoff) {
      backoff.podInfo = new PodInfo(pod);
      return;
    }
    const parked = this.unschedulablePods.get(key);
    if (parked) {
      const changed = schedulingRelevant(parked.podInfo.pod) !== schedulingRelevant(pod);
      parked.podInfo = new PodInfo(pod);
      if (changed) {
        this.unschedulablePods.delete(key);
        this.requeue(parked);
      }
      return;
    }
    this.add(pod);
  }

  /** A pod was deleted, bound, or is no longer ours. */
  delete(pod: Pod | string): void {
    const key = typeof pod === 'string' ? pod : keyOfPod(pod);
    this.activeQ.delete(key);
    if (this.backoffQ.delete(key)) this.armBackoffTimer();
    this.unschedulablePods.delete(key);
    this.inFlight.delete(key);
  }

  has(key: string): boolean {
    return this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulablePods.has(key) || this.inFlight.has(key);
  }

  // ---------------------------------------------------------------------------
  // The scheduler's side.

  /** The next pod to schedule; waits while activeQ is empty; undefined once closed. */
  async pop(): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const qp = this.activeQ.pop();
      if (qp) {
        this.schedulingCycle++;
        qp.attempts++;
        qp.initialAttemptTimestamp ??= this.clock.now();
        this.inFlight.set(qp.podInfo.key, { qp, cycle: this.schedulingCycle, updated: false });
        return qp;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** The pod's attempt is over and it was bound (or dropped): forget it. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /** Whether the pod is still in flight (not deleted or bound by someone else meanwhile). */
  isInFlight(key: string): boolean {
    return this.inFlight.has(key);
  }

  /**
   * The attempt failed. A pod rejected by plugins goes to unschedulablePods, unless an
   * event that may help happened while it was in flight (then backoffQ); an error
   * (`error: true`) always goes to backoffQ. A pod deleted meanwhile is dropped.
   */
  addUnschedulableIfNotPresent(qp: QueuedPodInfo, opts: { error?: boolean } = {}): void {
    const key = qp.podInfo.key;
    const flight = this.inFlight.get(key);
    if (!flight || flight.qp !== qp) return;
    this.inFlight.delete(key);
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulablePods.has(key)) return;
    qp.timestamp = this.clock.now();
    if (opts.error || flight.updated || this.eventSince(qp, flight.cycle)) {
      this.requeue(qp);
      return;
    }
    this.unschedulablePods.set(key, qp);
  }

  /** A cluster event: retry the parked pods it may help. */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent): void {
    this.lastEventCycle.set(event, this.schedulingCycle);
    if (this.unschedulablePods.size === 0) return;
    for (const [key, qp] of this.unschedulablePods) {
      if (!this.mayHelp(qp, event)) continue;
      this.unschedulablePods.delete(key);
      this.requeue(qp);
    }
  }

  /** Retry unschedulable pods that have waited longer than the limit. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    for (const [key, qp] of this.unschedulablePods) {
      if (now - qp.timestamp < this.maxInUnschedulable) continue;
      this.unschedulablePods.delete(key);
      this.requeue(qp);
    }
  }

  /** Move pods whose backoff has expired to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.clock.now();
    let moved = false;
    for (;;) {
      const top = this.backoffQ.peek();
      if (!top || this.backoffExpiry(top) > now) break;
      this.backoffQ.pop();
      this.activeQ.add(top);
      moved = true;
    }
    if (moved) this.wake();
  }

  /** The backoff after the pod's attempts so far: initial · 2^(attempts-1), capped. */
  backoffDuration(qp: QueuedPodInfo): number {
    let d = this.initialBackoff;
    for (let i = 1; i < qp.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoff) return this.maxBackoff;
    }
    return Math.min(d, this.maxBackoff);
  }

  backoffExpiry(qp: QueuedPodInfo): number {
    return qp.timestamp + this.backoffDuration(qp);
  }

  /** Pods in each sub-queue (tests, metrics). */
  pending(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulablePods.size, inFlight: this.inFlight.size };
  }

  /** Which sub-queue holds a pod. */
  where(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulablePods.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  // ---------------------------------------------------------------------------

  private newQueued(podInfo: PodInfo): QueuedPodInfo {
    return { podInfo, timestamp: this.clock.now(), initialAttemptTimestamp: undefined, attempts: 0, unschedulablePlugins: new Set() };
  }

  private requeue(qp: QueuedPodInfo): void {
    if (qp.attempts > 0 && this.backoffExpiry(qp) > this.clock.now()) {
      this.backoffQ.add(qp);
      this.armBackoffTimer();
    } else {
      this.activeQ.add(qp);
      this.wake();
    }
  }

  private mayHelp(qp: QueuedPodInfo, event: ClusterEvent): boolean {
    if (qp.unschedulablePlugins.size === 0) return true;
    for (const plugin of qp.unschedulablePlugins) {
      const events = this.eventsOf(plugin);
      if (!events || events.includes(event)) return true;
    }
    return false;
  }

  private eventSince(qp: QueuedPodInfo, cycle: number): boolean {
    for (const [event, at] of this.lastEventCycle) if (at >= cycle && this.mayHelp(qp, event)) return true;
    return false;
  }

  private armBackoffTimer(): void {
    if (this.closed) return;
    const top = this.backoffQ.peek();
    if (!top) {
      this.backoffTimer?.cancel();
      this.backoffTimer = undefined;
      this.backoffTimerAt = Infinity;
      return;
    }
    const at = this.backoffExpiry(top);
    if (this.backoffTimer && this.backoffTimerAt <= at) return;
    this.backoffTimer?.cancel();
    this.backoffTimerAt = at;
    this.backoffTimer = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.backoffTimerAt = Infinity;
      this.flushBackoffQCompleted();
      this.armBackoffTimer();
    }, Math.max(0, at - this.clock.now()));
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
