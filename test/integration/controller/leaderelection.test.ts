// "Killing the leading controller-manager hands its work to the other within
// the lease time": two electors on one in-process cluster, real clock, short
// durations (lease 1 s, renew deadline 0.7 s, retry 0.2 s).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMicroTime, runLeaderElection, type LeaderElection } from '../../../src/controller/leaderelection/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

const LEASE_MS = 1000;
const RENEW_DEADLINE_MS = 700;
const RETRY_MS = 200;

interface Elector {
  id: string;
  election: LeaderElection;
  work: AbortSignal[];
  stoppedLeading: number;
}

describe('leader election on a cluster', () => {
  let t: ControllerTest;
  const errors: unknown[] = [];

  beforeAll(async () => {
    t = await startControllerTest();
  });
  afterAll(async () => {
    await t?.close();
  });

  function elector(id: string, name: string): Elector {
    const e: Elector = { id, election: undefined as unknown as LeaderElection, work: [], stoppedLeading: 0 };
    e.election = runLeaderElection({
      client: t.client,
      name,
      identity: id,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
      onStartedLeading: (signal) => void e.work.push(signal),
      onStoppedLeading: () => void e.stoppedLeading++,
      onError: (err) => errors.push(err),
    });
    return e;
  }

  /** Sample both electors every few ms; count moments with two leaders. */
  function sampler(a: Elector, b: Elector): { stop(): number } {
    let overlaps = 0;
    const timer = setInterval(() => {
      if (a.election.isLeader() && b.election.isLeader()) overlaps++;
    }, 5);
    return {
      stop() {
        clearInterval(timer);
        return overlaps;
      },
    };
  }

  it('hands leadership to the other elector within the lease time when the leader crashes', async () => {
    const a = elector('a', 'gitplane-controller-manager');
    const b = elector('b', 'gitplane-controller-manager');
    const sample = sampler(a, b);
    try {
      const leader = await eventually(() => (a.election.isLeader() ? a : b.election.isLeader() ? b : undefined), 'a leader');
      const follower = leader === a ? b : a;
      // Let it renew a few times: the follower must stay a follower.
      await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
      expect(leader.election.isLeader()).toBe(true);
      expect(follower.election.isLeader()).toBe(false);
      expect(follower.election.leader()).toBe(leader.id);

      const before = await t.client.leases.namespace('kube-system').get('gitplane-controller-manager');
      expect(before.spec?.holderIdentity).toBe(leader.id);
      expect(before.spec?.leaseDurationSeconds).toBe(1);
      expect(before.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

      const crashedAt = Date.now();
      await leader.election.crash();
      expect(leader.work[0].aborted).toBe(true);
      await eventually(() => follower.election.isLeader(), 'the follower to take over', 5000);
      const tookOver = Date.now() - crashedAt;
      // Expiry is measured from the last renewTime (at most one retry before the crash),
      // and the follower polls every retry period; allow some scheduling slack.
      expect(tookOver).toBeLessThanOrEqual(LEASE_MS + RETRY_MS + 250);
      // Not at once: the lease was not released, it had to expire.
      expect(tookOver).toBeGreaterThanOrEqual(LEASE_MS / 2);
      expect(follower.work).toHaveLength(1);

      const after = await t.client.leases.namespace('kube-system').get('gitplane-controller-manager');
      expect(after.spec?.holderIdentity).toBe(follower.id);
      expect(after.spec?.leaseTransitions).toBe((before.spec?.leaseTransitions ?? 0) + 1);
      expect(parseMicroTime(after.spec?.acquireTime)).toBeGreaterThan(parseMicroTime(before.spec?.renewTime)!);
      await follower.election.stop();
      console.log(`leader election: takeover ${tookOver} ms after the crash (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`);
    } finally {
      expect(sample.stop()).toBe(0);
    }
  });

  it('releases the lease on a graceful stop so the other takes over at once', async () => {
    const a = elector('a', 'release-test');
    const b = elector('b', 'release-test');
    const sample = sampler(a, b);
    try {
      const leader = await eventually(() => (a.election.isLeader() ? a : b.election.isLeader() ? b : undefined), 'a leader');
      const follower = leader === a ? b : a;
      const stoppedAt = Date.now();
      await leader.election.stop();
      expect(leader.election.isLeader()).toBe(false);
      expect(leader.stoppedLeading).toBe(1);
      expect(leader.work[0].aborted).toBe(true);
      await eventually(() => follower.election.isLeader(), 'the follower to take over', 5000);
      const tookOver = Date.now() - stoppedAt;
      expect(tookOver).toBeLessThan(LEASE_MS - 100); // well before the lease would have expired
      const lease = await t.client.leases.namespace('kube-system').get('release-test');
      expect(lease.spec?.holderIdentity).toBe(follower.id);
      await follower.election.stop();
      const released = await t.client.leases.namespace('kube-system').get('release-test');
      expect(released.spec?.holderIdentity ?? '').toBe('');
      console.log(`leader election: takeover ${tookOver} ms after a graceful stop`);
    } finally {
      expect(sample.stop()).toBe(0);
    }
  });

  it('reported no unexpected errors', () => {
    expect(errors).toEqual([]);
  });
});
