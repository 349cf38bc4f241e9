// Leader election on a Lease, after client-go's tools/leaderelection: of the
// processes that run the same component (identities a, b, ...), one holds the
// lease and does the work; the others poll every retryPeriod and take the
// lease over once its holder stopped renewing it for leaseDuration.
//
//  - acquire: the lease is absent (create), released (empty holder), expired
//    (renewTime + leaseDurationSeconds has passed), or already ours. Every
//    write carries the resourceVersion read, so a race has one winner; a
//    takeover from another holder increments leaseTransitions.
//  - renew: the leader rewrites renewTime every retryPeriod (without reading
//    the lease first while its last write stands). When no renewal succeeded
//    for renewDeadline it stops leading: the signal given to
//    onStartedLeading aborts and onStoppedLeading is called. renewDeadline is
//    shorter than leaseDuration, so the old leader has stepped down before
//    anyone else may take over.
//  - stop(): stop leading, wait (bounded) for the work to wind down, then
//    release the lease (empty holder, leaseDurationSeconds 1) so another
//    candidate takes over at once, as ReleaseOnCancel does.
//
// Expiry is judged from the record's renewTime against this process's clock,
// so the components sharing a lease need roughly synchronised clocks (they
// run on one machine, or on NTP-disciplined ones).

import type { Lease } from '../../api/generated/index.js';
import { isAlreadyExists, isConflict, isNotFound, sleep, type Client } from '../../client/index.js';
import { systemClock, type Clock, type TimerHandle } from '../../util/clock.js';
import { LeaseLock, recordOf, type LeaderElectionRecord } from './lease-lock.js';

export { LeaseLock, microTime, parseMicroTime, recordOf, type LeaderElectionRecord } from './lease-lock.js';

export interface LeaderElectionOptions {
  client: Client;
  clock?: Clock;
  /** Where the lease lives (default kube-system). */
  namespace?: string;
  /** The lease's name, e.g. "gitplane-controller-manager". */
  name: string;
  /** This candidate's identity, unique among candidates (e.g. hostname_uuid). */
  identity: string;
  /** How long others wait after the last renewal before taking over (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leading (default 10 s). */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire and the leader renews (default 2 s). */
  retryPeriodMs?: number;
  /** Became leader: do the work until `signal` aborts. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** No longer leader (lost the lease, or stopped). Called only after onStartedLeading. */
  onStoppedLeading(): void;
  /** The holder of the lease changed (to this candidate or another). */
  onNewLeader?(identity: string): void;
  /** Failed requests (other than lost races) and errors thrown by the callbacks. */
  onError?(err: unknown): void;
}

export interface LeaderElection {
  /** Stop campaigning; when leading, stop the work and release the lease. */
  stop(): Promise<void>;
  /** Leading now: holds the lease and renewed it within renewDeadline. */
  isLeader(): boolean;
  /** The holder last observed ("" when none). */
  leader(): string;
  /**
   * Die as a crashed process would: stop renewing and abort the work, without releasing
   * the lease or calling onStoppedLeading. Others take over once the lease expires. For tests.
   */
  crash(): Promise<void>;
}

const DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
/** client-go's JitterFactor: renewDeadline must leave room for more than one retry. */
const JITTER_FACTOR = 1.2;

/** Start campaigning for the lease `namespace/name`; returns at once. */
export function runLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const elector = new LeaderElector(opts);
  elector.start();
  return {
    stop: () => elector.stop(),
    isLeader: () => elector.isLeader(),
    leader: () => elector.leader(),
    crash: () => elector.crash(),
  };
}

class LeaderElector {
  private readonly clock: Clock;
  private readonly lock: LeaseLock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly identity: string;
  /** Aborts the loop's sleeps and the request in flight. */
  private readonly stopping = new AbortController();
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  private leading = false;
  /** When the last successful acquire or renew started (its renewTime). */
  private lastRenewAt = -Infinity;
  private deadline: TimerHandle | undefined;
  /** The lease as last read or written by us. */
  private observed: Lease | undefined;
  private observedHolder = '';
  private attemptAbort: AbortController | undefined;
  private work: { abort: AbortController; done: Promise<void> } | undefined;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.clock = opts.clock ?? systemClock;
    this.identity = opts.identity;
    this.leaseDurationMs = opts.leaseDurationMs ?? DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? DEFAULTS.renewDeadlineMs;
    this.retryPeriodMs = opts.retryPeriodMs ?? DEFAULTS.retryPeriodMs;
    if (!opts.identity) throw new Error('leader election: identity may not be empty');
    if (!opts.name) throw new Error('leader election: the lease name may not be empty');
    if (!(this.retryPeriodMs > 0)) throw new Error('leader election: retryPeriodMs must be greater than zero');
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new Error('leader election: leaseDurationMs must be greater than renewDeadlineMs');
    if (!(this.renewDeadlineMs > JITTER_FACTOR * this.retryPeriodMs)) {
      throw new Error(`leader election: renewDeadlineMs must be greater than retryPeriodMs*${JITTER_FACTOR}`);
    }
    this.lock = new LeaseLock(opts.client, opts.namespace ?? 'kube-system', opts.name);
  }

  start(): void {
    this.loop = this.run();
  }

  isLeader(): boolean {
    return this.leading && this.clock.now() - this.lastRenewAt < this.renewDeadlineMs;
  }

  leader(): string {
    return this.observedHolder;
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.loop;
    this.halt();
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    this.cancelDeadline();
    await this.settleWork();
    await this.release();
    this.callStoppedLeading();
  }

  async crash(): Promise<void> {
    if (this.stopped) return this.loop;
    this.halt();
    this.leading = false;
    this.cancelDeadline();
    this.work?.abort.abort();
    this.work = undefined;
    await this.loop;
  }

  private halt(): void {
    this.stopped = true;
    this.stopping.abort();
  }

  // ---------------------------------------------------------------------------

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!this.stopped) {
      // Work from a lost term must have wound down before a new term starts it again.
      if (!this.leading && this.work) await this.settleWork();
      if (this.stopped) break;
      const started = this.clock.now();
      const ok = await this.attempt(started);
      if (this.stopped) break;
      if (ok && this.clock.now() - started < this.renewDeadlineMs) {
        this.lastRenewAt = started;
        if (!this.leading) this.startLeading();
        this.armDeadline();
      } else if (this.leading && this.clock.now() - this.lastRenewAt >= this.renewDeadlineMs) {
        this.stopLeading();
      }
      await sleep(this.clock, this.retryPeriodMs, signal);
    }
  }

  /** One tryAcquireOrRenew with a timeout; false when not acquired (lost race, held, or failed). */
  private async attempt(now: number): Promise<boolean> {
    const abort = new AbortController();
    this.attemptAbort = abort;
    const onStop = (): void => abort.abort();
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    const timeout = this.clock.setTimeout(() => abort.abort(), this.renewDeadlineMs);
    try {
      return await this.tryAcquireOrRenew(now, abort.signal);
    } catch (err) {
      if (!abort.signal.aborted && !isConflict(err) && !isAlreadyExists(err)) this.reportError(err);
      return false;
    } finally {
      timeout.cancel();
      this.stopping.signal.removeEventListener('abort', onStop);
      if (this.attemptAbort === abort) this.attemptAbort = undefined;
    }
  }

  private async tryAcquireOrRenew(now: number, signal: AbortSignal): Promise<boolean> {
    const durationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    // Fast path: while our last write stands, renew it without reading it first.
    if (this.leading && this.observed && this.observedHolder === this.identity) {
      const current = recordOf(this.observed);
      try {
        const renewed = await this.lock.update(
          this.observed,
          {
            holderIdentity: this.identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: current.acquireTime ?? now,
            renewTime: now,
            leaseTransitions: current.leaseTransitions ?? 0,
          },
          signal,
        );
        this.observe(renewed);
        return true;
      } catch (err) {
        if (signal.aborted || !(isConflict(err) || isNotFound(err))) throw err;
        // Someone else wrote the lease: read it and decide below.
      }
    }

    let lease: Lease;
    try {
      lease = await this.lock.get(signal);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const created = await this.lock.create(
        { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
        signal,
      );
      this.observe(created);
      return true;
    }
    this.observe(lease);
    const record = recordOf(lease);
    const ours = record.holderIdentity === this.identity;
    if (record.holderIdentity && !ours && !this.expired(record, now)) return false;
    const next: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: ours ? (record.acquireTime ?? now) : now,
      renewTime: now,
      leaseTransitions: ours ? (record.leaseTransitions ?? 0) : (record.leaseTransitions ?? 0) + 1,
    };
    const updated = await this.lock.update(lease, next, signal);
    this.observe(updated);
    return true;
  }

  private expired(record: Partial<LeaderElectionRecord>, now: number): boolean {
    if (record.renewTime === undefined) return true;
    const durationMs = (record.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
    return now >= record.renewTime + durationMs;
  }

  private observe(lease: Lease): void {
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder === this.observedHolder) return;
    this.observedHolder = holder;
    if (holder && this.opts.onNewLeader) {
      try {
        this.opts.onNewLeader(holder);
      } catch (err) {
        this.reportError(err);
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Terms.

  private startLeading(): void {
    this.leading = true;
    const abort = new AbortController();
    const done = (async () => {
      try {
        await this.opts.onStartedLeading(abort.signal);
      } catch (err) {
        this.reportError(err);
      }
    })();
    this.work = { abort, done };
  }

  /** The lease could not be renewed in time: give up leading at once. */
  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.cancelDeadline();
    this.attemptAbort?.abort();
    this.work?.abort.abort();
    this.callStoppedLeading();
  }

  private callStoppedLeading(): void {
    try {
      this.opts.onStoppedLeading();
    } catch (err) {
      this.reportError(err);
    }
  }

  /** Abort the term's work and wait for it, at most renewDeadline (it must heed its signal). */
  private async settleWork(): Promise<void> {
    const work = this.work;
    if (!work) return;
    work.abort.abort();
    let timer: TimerHandle | undefined;
    await Promise.race([work.done, new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, this.renewDeadlineMs)))]);
    timer?.cancel();
    if (this.work === work) this.work = undefined;
  }

  private armDeadline(): void {
    this.cancelDeadline();
    const at = this.lastRenewAt + this.renewDeadlineMs;
    this.deadline = this.clock.setTimeout(
      () => {
        this.deadline = undefined;
        if (this.leading && this.clock.now() - this.lastRenewAt >= this.renewDeadlineMs) this.stopLeading();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private cancelDeadline(): void {
    this.deadline?.cancel();
    this.deadline = undefined;
  }

  /** Hand the lease back so the next candidate need not wait for it to expire. */
  private async release(): Promise<void> {
    const abort = new AbortController();
    const timeout = this.clock.setTimeout(() => abort.abort(), this.renewDeadlineMs);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const lease = attempt === 0 && this.observed ? this.observed : await this.lock.get(abort.signal);
        const record = recordOf(lease);
        if (record.holderIdentity !== this.identity) return;
        const now = this.clock.now();
        try {
          const released = await this.lock.update(
            lease,
            { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: record.leaseTransitions ?? 0 },
            abort.signal,
          );
          this.observe(released);
          return;
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
    } catch (err) {
      if (!isNotFound(err)) this.reportError(err);
    } finally {
      timeout.cancel();
    }
  }

  private reportError(err: unknown): void {
    if (this.opts.onError) {
      try {
        this.opts.onError(err);
      } catch {
        // an error reporter must not break the election
      }
      return;
    }
    console.warn(`leader election ${this.lock.describe()} (${this.identity}): ${err instanceof Error ? err.message : String(err)}`);
  }
}
