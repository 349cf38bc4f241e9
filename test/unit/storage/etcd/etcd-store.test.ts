// The etcd backend against a real etcd: the etcd-specific parts (error
// mapping with looked-up revisions, compact revision discovery, watch resume
// across connection blips and restarts, progress confirmation, keepalive
// stream). The shared semantics are covered by test/storage/store.case.test.ts.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrClosed,
  ErrCompacted,
  ErrFutureRev,
  ErrLeaseNotFound,
  ErrUnavailable,
  StorageError,
} from '../../../../src/storage/errors.js';
import { createEtcdStore, type EtcdStoreOptions } from '../../../../src/storage/etcd/index.js';
import { prefixEnd } from '../../../../src/storage/keys.js';
import type { Store, WatchResponse } from '../../../../src/storage/types.js';
import { etcdAvailable, etcdSkipReason, freePort, startEtcd, type EtcdProcess } from '../../../support/etcd.js';
import { startTcpProxy, type TcpProxy } from '../../../support/tcp-proxy.js';

async function waitFor<T>(fn: () => T | undefined | false | null, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rejection(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    return err as StorageError;
  }
  throw new Error('expected a rejection');
}

function eventRevisions(responses: WatchResponse[]): number[] {
  return responses.flatMap((r) => r.events.map((e) => e.kv.modRevision));
}

const skip = !etcdAvailable();

describe.skipIf(skip)(`etcd store against real etcd${skip ? ` (skipped: ${etcdSkipReason()})` : ''}`, () => {
  let etcd: EtcdProcess;
  const open: Store[] = [];
  let n = 0;
  let prefix = '';

  function store(extra: Partial<EtcdStoreOptions> = {}, endpoint = etcd.endpoint): Store {
    const s = createEtcdStore({ endpoints: [endpoint], ...extra });
    open.push(s);
    return s;
  }

  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.stop();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  // A fresh prefix per test.
  const k = (name: string) => `${prefix}${name}`;
  const next = () => {
    prefix = `/etcd-store/${++n}/`;
  };

  it('round-trips keys, values and revisions exactly, including non-ASCII', async () => {
    next();
    const s = store();
    const p1 = await s.put({ key: k('ä/ß'), value: 'ünïcødé ✓' });
    const got = await s.range({ key: k(''), rangeEnd: prefixEnd(k('')) });
    expect(got.kvs).toEqual([
      {
        key: k('ä/ß'),
        value: 'ünïcødé ✓',
        createRevision: p1.header.revision,
        modRevision: p1.header.revision,
        version: 1,
        lease: '0',
      },
    ]);
    expect(got.header.revision).toBe(p1.header.revision);
  });

  it('finds the compact revision after another client compacted, for status and ErrCompacted', async () => {
    next();
    const a = store();
    const b = store();
    let last = 0;
    for (let i = 0; i < 10; i++) last = (await a.put({ key: k('x'), value: String(i) })).header.revision;
    const target = last - 3;
    await b.compact(target);
    // `a` never saw that compaction.
    expect((await a.status()).compactRevision).toBe(target);
    const err = await rejection(a.range({ key: k('x'), revision: target - 1 }));
    expect(err).toBeInstanceOf(ErrCompacted);
    expect((err as ErrCompacted).compactRevision).toBe(target);
    expect((err as ErrCompacted).requestedRevision).toBe(target - 1);
    // At the compact revision itself history is still readable, as in etcd.
    expect((await a.range({ key: k('x'), revision: target })).kvs[0].value).toBe('6');
    const w = await rejection(a.watch({ key: k('x'), startRevision: target - 2 }, () => undefined));
    expect(w).toBeInstanceOf(ErrCompacted);
    expect((w as ErrCompacted).compactRevision).toBe(target);
  });

  it('reports ErrFutureRev with the current revision', async () => {
    next();
    const s = store();
    const rev = (await s.put({ key: k('a'), value: '1' })).header.revision;
    const err = await rejection(s.range({ key: k('a'), revision: rev + 100 }));
    expect(err).toBeInstanceOf(ErrFutureRev);
    expect((err as ErrFutureRev).currentRevision).toBe(rev);
  });

  it('reports its version as "etcd X.Y.Z"', async () => {
    const st = await store().status();
    expect(st.version).toMatch(/^etcd \d+\.\d+\.\d+/);
    expect(st.dbSize).toBeGreaterThan(0);
  });

  it('matches many concurrent keepalives on one stream, and ErrLeaseNotFound once revoked', async () => {
    const s = store();
    const leases = await Promise.all([5, 6, 7, 8].map((ttl) => s.leaseGrant(ttl)));
    const kas = await Promise.all(leases.flatMap((l) => [s.leaseKeepAlive(l.id), s.leaseKeepAlive(l.id)]));
    expect(kas.map((r) => [r.id, r.ttl])).toEqual(leases.flatMap((l) => [[l.id, l.ttl], [l.id, l.ttl]]));
    await s.leaseRevoke(leases[0].id);
    const results = await Promise.allSettled([s.leaseKeepAlive(leases[0].id), s.leaseKeepAlive(leases[1].id)]);
    expect(results[0].status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ErrLeaseNotFound);
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: { id: leases[1].id } });
    for (const l of leases.slice(1)) await s.leaseRevoke(l.id);
  });

  it('resumes a watch after a connection blip from the last delivered revision + 1, without gaps or duplicates', async () => {
    next();
    const [host, port] = etcd.endpoint.replace('http://', '').split(':');
    const proxy = await startTcpProxy(host, Number(port));
    try {
      const direct = store();
      const viaProxy = store({ dialTimeoutMs: 2000 }, `http://${proxy.address}`);
      const got: WatchResponse[] = [];
      await viaProxy.watch({ key: k(''), rangeEnd: prefixEnd(k('')) }, (r) => got.push(r));
      const revs: number[] = [];
      for (let i = 0; i < 3; i++) revs.push((await direct.put({ key: k(`a${i}`), value: 'x' })).header.revision);
      await waitFor(() => eventRevisions(got).length === 3, 5000, 'first events');

      proxy.cut();
      // Written while the watch is disconnected.
      for (let i = 0; i < 5; i++) revs.push((await direct.put({ key: k(`b${i}`), value: 'y' })).header.revision);
      proxy.restore();
      for (let i = 0; i < 2; i++) revs.push((await direct.put({ key: k(`c${i}`), value: 'z' })).header.revision);

      await waitFor(() => eventRevisions(got).length >= revs.length, 15_000, 'all events after the blip');
      // Give a duplicate the chance to show up.
      await direct.put({ key: k('last'), value: '!' }).then((r) => revs.push(r.header.revision));
      await waitFor(() => eventRevisions(got).length >= revs.length, 5000, 'the last event');
      expect(eventRevisions(got)).toEqual(revs);
      expect(got.every((r) => !r.canceled)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('cancels a watch whose resume point was compacted while it was disconnected', async () => {
    next();
    const [host, port] = etcd.endpoint.replace('http://', '').split(':');
    const proxy: TcpProxy = await startTcpProxy(host, Number(port));
    try {
      const direct = store();
      const viaProxy = store({ dialTimeoutMs: 2000 }, `http://${proxy.address}`);
      const got: WatchResponse[] = [];
      await viaProxy.watch({ key: k(''), rangeEnd: prefixEnd(k('')) }, (r) => got.push(r));
      await direct.put({ key: k('a'), value: '1' });
      await waitFor(() => got.length === 1, 5000, 'first event');
      proxy.cut();
      await direct.put({ key: k('b'), value: '2' });
      const last = (await direct.put({ key: k('c'), value: '3' })).header.revision;
      await direct.compact(last);
      proxy.restore();
      const canceled = await waitFor(() => got.find((r) => r.canceled), 15_000, 'the canceled response');
      expect(canceled.compactRevision).toBe(last);
      expect(canceled.cancelReason).toMatch(/compacted/);
      expect(got.indexOf(canceled)).toBe(got.length - 1);
      expect(eventRevisions(got)).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('resumes a watch across an etcd restart', async () => {
    next();
    const own = await startEtcd();
    try {
      const s = createEtcdStore({ endpoints: [own.endpoint], dialTimeoutMs: 2000 });
      open.push(s);
      const got: WatchResponse[] = [];
      await s.watch({ key: k(''), rangeEnd: prefixEnd(k('')) }, (r) => got.push(r));
      const revs = [(await s.put({ key: k('a'), value: '1' })).header.revision];
      await waitFor(() => got.length === 1, 5000, 'first event');
      await own.kill();
      await expect(s.put({ key: k('b'), value: '2' })).rejects.toBeInstanceOf(ErrUnavailable);
      await own.restart();
      // The client reconnects by itself; the first calls may still fail.
      let rev = 0;
      const deadline = Date.now() + 10_000;
      while (!rev) {
        try {
          rev = (await s.put({ key: k('b'), value: '2' })).header.revision;
        } catch (err) {
          if (!(err instanceof ErrUnavailable) || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      revs.push(rev);
      revs.push((await s.put({ key: k('c'), value: '3' })).header.revision);
      await waitFor(() => eventRevisions(got).length >= 3, 15_000, 'events after the restart');
      expect(eventRevisions(got)).toEqual(revs);
    } finally {
      await own.stop();
    }
  });

  it('never confirms progress past an event it has not delivered yet', async () => {
    next();
    const s = store();
    const writer = store();
    const got: WatchResponse[] = [];
    const w = await s.watch({ key: k(''), rangeEnd: prefixEnd(k('')) }, (r) => got.push(r));
    // 600 writes, 32 in flight, with a progress request after every one:
    // etcd <= 3.4.24 answers some of those requests ahead of queued events.
    let lastRev = 0;
    let i = 0;
    const worker = async () => {
      while (i < 600) {
        const j = i++;
        const r = await writer.put({ key: k(`key${j % 17}`), value: String(j) });
        lastRev = Math.max(lastRev, r.header.revision);
        w.requestProgress();
      }
    };
    const writes = Array.from({ length: 32 }, worker);
    await Promise.all(writes);
    w.requestProgress();
    await waitFor(
      () => got.some((r) => r.progressNotify && r.header.revision >= lastRev),
      10_000,
      'a progress notification at the last revision',
    );
    // Invariant: after progress at R, no event of revision <= R arrives.
    let confirmed = 0;
    for (const r of got) {
      if (r.progressNotify) {
        expect(r.events).toEqual([]);
        expect(r.header.revision).toBeGreaterThanOrEqual(confirmed);
        confirmed = r.header.revision;
      }
      for (const e of r.events) expect(e.kv.modRevision).toBeGreaterThan(confirmed);
    }
    expect(eventRevisions(got)).toHaveLength(600);
  });

  it('confirms progress of a watch replaying history only after the history', async () => {
    next();
    const s = store();
    const first = (await s.put({ key: k('k0'), value: '0' })).header.revision;
    const ops = [];
    for (let i = 1; i < 300; i++) ops.push(s.put({ key: k(`k${i}`), value: String(i) }));
    await Promise.all(ops);
    const got: WatchResponse[] = [];
    const w = await s.watch({ key: k(''), rangeEnd: prefixEnd(k('')), startRevision: first }, (r) => got.push(r));
    w.requestProgress();
    const progress = await waitFor(() => got.find((r) => r.progressNotify), 10_000, 'progress');
    const before = got.slice(0, got.indexOf(progress));
    expect(eventRevisions(before)).toHaveLength(300);
    expect(progress.header.revision).toBeGreaterThanOrEqual(Math.max(...eventRevisions(before)));
  });

  it('confirms progress of a watch from a past revision with nothing to replay', async () => {
    next();
    const s = store();
    const rev = (await s.put({ key: k('elsewhere'), value: '1' })).header.revision;
    await s.put({ key: k('elsewhere'), value: '2' });
    const got: WatchResponse[] = [];
    const w = await s.watch({ key: k('quiet'), startRevision: rev }, (r) => got.push(r));
    w.requestProgress();
    const p = await waitFor(() => got.find((r) => r.progressNotify), 10_000, 'progress');
    expect(p.header.revision).toBeGreaterThanOrEqual(rev + 1);
    expect(got).toEqual([p]);
  });

  it('sends client-side idle progress with progressNotifyIntervalMs', async () => {
    next();
    const s = store({ progressNotifyIntervalMs: 150 });
    const rev = (await s.put({ key: k('a'), value: '1' })).header.revision;
    const got: WatchResponse[] = [];
    const quiet: WatchResponse[] = [];
    await s.watch({ key: k(''), rangeEnd: prefixEnd(k('')), progressNotify: true }, (r) => got.push(r));
    await s.watch({ key: k(''), rangeEnd: prefixEnd(k('')) }, (r) => quiet.push(r));
    const p = await waitFor(() => got.find((r) => r.progressNotify), 5000, 'idle progress');
    expect(p.header.revision).toBeGreaterThanOrEqual(rev);
    expect(quiet).toEqual([]);
  });

  it('passes on etcd’s own periodic progress notifications', async () => {
    next();
    const own = await startEtcd({ progressNotifyIntervalMs: 200 });
    try {
      const s = createEtcdStore({ endpoints: [own.endpoint] });
      open.push(s);
      const rev = (await s.put({ key: k('a'), value: '1' })).header.revision;
      const got: WatchResponse[] = [];
      await s.watch({ key: k(''), rangeEnd: prefixEnd(k('')), progressNotify: true }, (r) => got.push(r));
      const p = await waitFor(() => got.find((r) => r.progressNotify), 5000, 'periodic progress');
      expect(p.header.revision).toBe(rev);
      expect(p.events).toEqual([]);
    } finally {
      await own.stop();
    }
  });

  it('fails fast with ErrUnavailable when etcd cannot be reached', async () => {
    const port = await freePort(); // nothing listens there
    const s = store({ dialTimeoutMs: 300, requestTimeoutMs: 2000 }, `http://127.0.0.1:${port}`);
    expect(await rejection(s.range({ key: 'a' }))).toBeInstanceOf(ErrUnavailable);
    expect(await rejection(s.put({ key: 'a', value: 'b' }))).toBeInstanceOf(ErrUnavailable);
    expect(await rejection(s.watch({ key: 'a' }, () => undefined))).toBeInstanceOf(ErrUnavailable);
    expect(await rejection(s.leaseKeepAlive('1'))).toBeInstanceOf(ErrUnavailable);
    expect(await rejection(s.status())).toBeInstanceOf(ErrUnavailable);
  });

  it('stops every watch silently on close and rejects later calls with ErrClosed', async () => {
    next();
    const s = createEtcdStore({ endpoints: [etcd.endpoint] });
    const writer = store();
    const got: WatchResponse[] = [];
    const w = await s.watch({ key: k(''), rangeEnd: prefixEnd(k('')) }, (r) => got.push(r));
    await s.close();
    const rev = (await writer.put({ key: k('a'), value: '1' })).header.revision;
    // A second watcher on another client sees the write: the first one must not.
    const seen: WatchResponse[] = [];
    await writer.watch({ key: k(''), rangeEnd: prefixEnd(k('')), startRevision: rev }, (r) => seen.push(r));
    await waitFor(() => seen.length > 0, 5000, 'the other watcher');
    expect(got).toEqual([]);
    w.requestProgress(); // harmless
    await w.cancel();
    for (const p of [s.range({ key: 'a' }), s.watch({ key: 'a' }, () => undefined), s.leaseKeepAlive('1'), s.status()]) {
      expect(await rejection(p)).toBeInstanceOf(ErrClosed);
    }
  });
});
