// Lease expiry, progress notifications and compaction driven by a fake clock:
// deterministic, no waiting on real time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore, startCompactor, type EmbeddedStore, type WatchResponse } from '../../../src/storage/index.js';
import { FakeClock } from '../../../src/util/clock.js';

const open: EmbeddedStore[] = [];
const dirs: string[] = [];
async function store(clock: FakeClock, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-lease-'))) {
  dirs.push(dir);
  const s = await openEmbeddedStore({ dir, clock, leaseCheckIntervalMs: 100, progressNotifyIntervalMs: 1000 });
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Let queued WAL flushes and microtasks run (fsync is real I/O). */
async function settle(s: EmbeddedStore): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    await s.status();
  }
}

/**
 * Poll `cond` with a real-time deadline, moving the fake clock `stepMs` per
 * poll (at most `maxFakeMs` in all): timers fire on fake time, while the
 * fsyncs they trigger take real time.
 */
async function until(cond: () => Promise<boolean>, clock: FakeClock, stepMs: number, maxFakeMs = 20_000): Promise<void> {
  const deadline = Date.now() + 10_000;
  let moved = 0;
  while (Date.now() < deadline) {
    if (await cond()) return;
    if (moved < maxFakeMs) {
      clock.advance(stepMs);
      moved += stepMs;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`condition not met (fake clock moved ${moved} ms)`);
}

describe('leases on a fake clock', () => {
  it('expires exactly after the TTL and deletes attached keys at one revision', async () => {
    const clock = new FakeClock();
    const s = await store(clock);
    const { id } = await s.leaseGrant(10);
    await s.put({ key: '/l/a', value: '1', lease: id });
    await s.put({ key: '/l/b', value: '2', lease: id });
    await s.put({ key: '/l/c', value: 'free' });
    const events: WatchResponse[] = [];
    await s.watch({ key: '/l/', rangeEnd: '/l0' }, (r) => events.push(r));
    clock.advance(9_900);
    await settle(s);
    expect((await s.range({ key: '/l/', rangeEnd: '/l0' })).count).toBe(3);
    await until(async () => (await s.range({ key: '/l/', rangeEnd: '/l0' })).count === 1, clock, 100);
    const deletes = events.flatMap((r) => r.events);
    expect(deletes.map((e) => [e.type, e.kv.key])).toEqual([
      ['DELETE', '/l/a'],
      ['DELETE', '/l/b'],
    ]);
    expect(new Set(deletes.map((e) => e.kv.modRevision)).size).toBe(1);
    expect((await s.leaseTimeToLive(id)).ttl).toBe(-1);
  });

  it('keepAlive pushes expiry out by the granted TTL', async () => {
    const clock = new FakeClock();
    const s = await store(clock);
    const { id } = await s.leaseGrant(5);
    await s.put({ key: '/k', value: 'v', lease: id });
    clock.advance(4_000);
    await s.leaseKeepAlive(id);
    clock.advance(4_000);
    await settle(s);
    expect((await s.range({ key: '/k' })).count).toBe(1);
    expect((await s.leaseTimeToLive(id)).ttl).toBe(1);
    await until(async () => (await s.range({ key: '/k' })).count === 0, clock, 100);
  });

  it('keeps the remaining TTL across a restart instead of granting a fresh one', async () => {
    const clock = new FakeClock();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-lease-'));
    let s = await store(clock, dir);
    const { id } = await s.leaseGrant(60);
    await s.put({ key: '/held', value: 'v', lease: id });
    await s.close();
    open.splice(open.indexOf(s), 1);
    clock.advance(45_000); // down for 45 s
    s = await store(clock, dir);
    const ttl = await s.leaseTimeToLive(id, { keys: true });
    expect(ttl.ttl).toBe(15);
    expect(ttl.grantedTtl).toBe(60);
    expect(ttl.keys).toEqual(['/held']);
    await until(async () => (await s.range({ key: '/held' })).count === 0, clock, 1000, 16_000);
  });

  it('a lease that expired while the store was down is revoked at start-up', async () => {
    const clock = new FakeClock();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-lease-'));
    let s = await store(clock, dir);
    const { id } = await s.leaseGrant(5);
    await s.put({ key: '/gone', value: 'v', lease: id });
    await s.close();
    open.splice(open.indexOf(s), 1);
    clock.advance(60_000);
    s = await store(clock, dir);
    await until(async () => (await s.range({ key: '/gone' })).count === 0, clock, 100);
    expect(await s.leaseLeases()).toEqual([]);
  });
});

describe('progress notifications on a fake clock', () => {
  it('are sent to idle watches that asked, with the committed revision', async () => {
    const clock = new FakeClock();
    const s = await store(clock);
    await s.put({ key: '/p', value: '1' });
    const got: WatchResponse[] = [];
    await s.watch({ key: '/p', progressNotify: true }, (r) => got.push(r));
    const quiet: WatchResponse[] = [];
    await s.watch({ key: '/p' }, (r) => quiet.push(r));
    clock.advance(1_000);
    await settle(s);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ progressNotify: true, events: [], header: { revision: 1 } });
    expect(quiet).toHaveLength(0);
  });
});

describe('compactor on a fake clock', () => {
  it('revision mode keeps the newest N revisions', async () => {
    const clock = new FakeClock();
    const s = await store(clock);
    for (let i = 0; i < 20; i++) await s.put({ key: '/c', value: String(i) });
    const c = startCompactor(s, { mode: 'revision', retain: 5, intervalMs: 1000 }, clock);
    try {
      expect(await c.runOnce()).toBe(15);
      expect((await s.status()).compactRevision).toBe(15);
      await expect(s.range({ key: '/c', revision: 14 })).rejects.toMatchObject({ code: 'Compacted' });
      expect((await s.range({ key: '/c', revision: 15 })).kvs[0].value).toBe('14');
    } finally {
      c.stop();
    }
  });

  it('periodic mode compacts to the revision of one retention period ago', async () => {
    const clock = new FakeClock();
    const s = await store(clock);
    await s.put({ key: '/c', value: 'a' }); // revision 1, written at t0
    const c = startCompactor(s, { mode: 'periodic', retentionMs: 10_000 }, clock);
    try {
      // Samples are taken every 1 s; revision 2 is written 5 s in.
      for (let t = 0; t < 5; t++) {
        clock.advance(1_000);
        await settle(s);
      }
      await s.put({ key: '/c', value: 'b' });
      expect((await s.status()).compactRevision).toBe(0);
      // A full period after the first sample, history before revision 1 goes…
      await until(async () => (await s.status()).compactRevision === 1, clock, 500);
      // …and revision 2 is kept until it too is a period old.
      expect((await s.range({ key: '/c', revision: 1 })).kvs[0].value).toBe('a');
      await until(async () => (await s.status()).compactRevision === 2, clock, 500);
    } finally {
      c.stop();
    }
  });
});
