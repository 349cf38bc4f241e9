// Leader election on a fake clock against an in-memory Lease store with
// optimistic concurrency: acquisition, renewal, takeover after a crash,
// stepping down when renewals fail, release on stop.

import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../../src/api/generated/index.js';
import { StatusError } from '../../../../src/api/status.js';
import type { Client } from '../../../../src/client/index.js';
import { microTime, parseMicroTime, runLeaderElection, type LeaderElection, type LeaderElectionOptions } from '../../../../src/controller/leaderelection/index.js';
import { FakeClock } from '../../../../src/util/clock.js';

/** One namespace's leases, with resourceVersion checks, and switchable failures. */
class FakeLeases {
  readonly items = new Map<string, Lease>();
  private rv = 1;
  failWrites = false;
  writes = 0;

  async get(name: string): Promise<Lease> {
    await Promise.resolve();
    const lease = this.items.get(name);
    if (!lease) throw new StatusError(404, 'NotFound', `leases "${name}" not found`);
    return structuredClone(lease);
  }

  async create(lease: Lease): Promise<Lease> {
    await Promise.resolve();
    if (this.failWrites) throw new StatusError(503, 'ServiceUnavailable', 'unavailable');
    const name = lease.metadata.name!;
    if (this.items.has(name)) throw new StatusError(409, 'AlreadyExists', `leases "${name}" already exists`);
    const stored = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
    this.items.set(name, stored);
    this.writes++;
    return structuredClone(stored);
  }

  async update(lease: Lease): Promise<Lease> {
    await Promise.resolve();
    if (this.failWrites) throw new StatusError(503, 'ServiceUnavailable', 'unavailable');
    const name = lease.metadata.name!;
    const current = this.items.get(name);
    if (!current) throw new StatusError(404, 'NotFound', `leases "${name}" not found`);
    if (lease.metadata.resourceVersion && lease.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new StatusError(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const stored = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
    this.items.set(name, stored);
    this.writes++;
    return structuredClone(stored);
  }
}

function fakeClient(leases: FakeLeases): Client {
  return { leases: { namespace: () => leases } } as unknown as Client;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Advance the fake clock in small steps, letting requests settle between them. */
async function tick(clock: FakeClock, ms: number, each?: () => void): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    await flush();
    each?.();
  }
}

interface Candidate {
  election: LeaderElection;
  started: number;
  stopped: number;
  signals: AbortSignal[];
  leaders: string[];
}

function candidate(leases: FakeLeases, clock: FakeClock, identity: string, extra: Partial<LeaderElectionOptions> = {}): Candidate {
  const c: Candidate = { election: undefined as unknown as LeaderElection, started: 0, stopped: 0, signals: [], leaders: [] };
  c.election = runLeaderElection({
    client: fakeClient(leases),
    clock,
    name: 'test-manager',
    identity,
    leaseDurationMs: 1000,
    renewDeadlineMs: 700,
    retryPeriodMs: 200,
    onStartedLeading: (signal) => {
      c.started++;
      c.signals.push(signal);
    },
    onStoppedLeading: () => void c.stopped++,
    onNewLeader: (id) => void c.leaders.push(id),
    onError: () => undefined,
    ...extra,
  });
  return c;
}

describe('leader election', () => {
  it('formats MicroTime with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 1))).toBe('2026-01-01T00:00:00.000000Z');
    expect(microTime(Date.UTC(2026, 0, 1, 0, 0, 1, 250))).toBe('2026-01-01T00:00:01.250000Z');
    expect(parseMicroTime('2026-01-01T00:00:01.250000Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 1, 250));
    expect(parseMicroTime(undefined)).toBeUndefined();
  });

  it('creates the lease when absent, leads, and renews it every retry period', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const a = candidate(leases, clock, 'a');
    await tick(clock, 20);
    expect(a.election.isLeader()).toBe(true);
    expect(a.started).toBe(1);
    expect(a.leaders).toEqual(['a']);
    const first = leases.items.get('test-manager')!;
    expect(first.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 1, leaseTransitions: 0 });
    await tick(clock, 1000);
    const later = leases.items.get('test-manager')!;
    expect(parseMicroTime(later.spec!.renewTime)! - parseMicroTime(first.spec!.renewTime)!).toBeGreaterThanOrEqual(800);
    expect(later.spec!.acquireTime).toBe(first.spec!.acquireTime);
    expect(a.election.isLeader()).toBe(true);
    await a.election.stop();
  });

  it('elects exactly one of two candidates; the other takes over after a crash, never overlapping', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const a = candidate(leases, clock, 'a');
    const b = candidate(leases, clock, 'b');
    let overlap = 0;
    const sample = (): void => {
      if (a.election.isLeader() && b.election.isLeader()) overlap++;
    };
    await tick(clock, 500, sample);
    const leader = a.election.isLeader() ? a : b;
    const follower = leader === a ? b : a;
    expect(leader.election.isLeader()).toBe(true);
    expect(follower.election.isLeader()).toBe(false);
    expect(follower.started).toBe(0);
    expect(follower.election.leader()).toBe(leader === a ? 'a' : 'b');

    const crashedAt = clock.now();
    await leader.election.crash();
    expect(leader.signals[0].aborted).toBe(true);
    expect(leader.stopped).toBe(0); // a crashed process calls nothing
    let tookOverAt = 0;
    await tick(clock, 2000, () => {
      sample();
      if (!tookOverAt && follower.election.isLeader()) tookOverAt = clock.now();
    });
    expect(tookOverAt).toBeGreaterThan(0);
    expect(tookOverAt - crashedAt).toBeLessThanOrEqual(1000 + 200 + 20);
    expect(tookOverAt - crashedAt).toBeGreaterThanOrEqual(1000 - 200);
    expect(overlap).toBe(0);
    const lease = leases.items.get('test-manager')!;
    expect(lease.spec).toMatchObject({ holderIdentity: follower === a ? 'a' : 'b', leaseTransitions: 1 });
    await follower.election.stop();
  });

  it('steps down within the renew deadline when renewals fail, before the lease expires', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const a = candidate(leases, clock, 'a');
    await tick(clock, 50);
    expect(a.election.isLeader()).toBe(true);
    leases.failWrites = true;
    const failedAt = clock.now();
    let steppedDownAt = 0;
    await tick(clock, 1500, () => {
      if (!steppedDownAt && !a.election.isLeader()) steppedDownAt = clock.now();
    });
    expect(steppedDownAt - failedAt).toBeLessThanOrEqual(700);
    expect(a.signals[0].aborted).toBe(true);
    expect(a.stopped).toBe(1);
    // The API comes back: it campaigns again and, the lease being its own, leads again.
    leases.failWrites = false;
    await tick(clock, 300);
    expect(a.election.isLeader()).toBe(true);
    expect(a.started).toBe(2);
    expect(leases.items.get('test-manager')!.spec!.leaseTransitions).toBe(0);
    await a.election.stop();
  });

  it('does not take over a lease that is held and renewed', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const a = candidate(leases, clock, 'a');
    await tick(clock, 50);
    const b = candidate(leases, clock, 'b');
    await tick(clock, 3000);
    expect(a.election.isLeader()).toBe(true);
    expect(b.started).toBe(0);
    expect(b.leaders).toEqual(['a']);
    await b.election.stop();
    await a.election.stop();
  });

  it('releases the lease on stop after the work wound down, so another takes over at once', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const order: string[] = [];
    const a = candidate(leases, clock, 'a', {
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            order.push('work done');
            resolve();
          });
        }),
      onStoppedLeading: () => void order.push('stopped leading'),
    });
    await tick(clock, 50);
    expect(a.election.isLeader()).toBe(true);
    const b = candidate(leases, clock, 'b');
    await tick(clock, 50);
    await a.election.stop();
    expect(order).toEqual(['work done', 'stopped leading']);
    expect(a.election.isLeader()).toBe(false);
    expect(leases.items.get('test-manager')!.spec!.holderIdentity).toBe('');
    await tick(clock, 220);
    expect(b.election.isLeader()).toBe(true);
    expect(leases.items.get('test-manager')!.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.election.stop();
  });

  it('rejects inconsistent durations', () => {
    const leases = new FakeLeases();
    const base = { client: fakeClient(leases), name: 'x', identity: 'a', onStartedLeading: () => undefined, onStoppedLeading: () => undefined };
    expect(() => runLeaderElection({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 1000 })).toThrow(/leaseDurationMs/);
    expect(() => runLeaderElection({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 200, retryPeriodMs: 200 })).toThrow(/retryPeriodMs/);
    expect(() => runLeaderElection({ ...base, identity: '' })).toThrow(/identity/);
  });
});
