// Embedded store only: what survives a restart, how a torn WAL tail and real
// corruption are told apart, the data-dir lock (in-process and across
// processes), and snapshots. Looks at the files the store actually writes:
// <dir>/wal/*.wal (frames [magic u32][length u32][crc32 u32][payload]),
// <dir>/snap/*.snap and <dir>/LOCK.

import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/storage/embedded/index.js';
import { ErrCorrupt, ErrLocked } from '../../src/storage/errors.js';
import { prefixEnd } from '../../src/storage/keys.js';
import { FakeClock, type Clock } from '../../src/util/clock.js';
import { killLiveChildren, spawnScript } from './children.js';
import { dumpStore, fileBytes, framesOf, newestWalWithData, snapFiles, walFiles, type StoreDump } from './data-dir.js';
import { eventSummary, expectStorageError, makeTempDir, removeDir, startWatch, waitFor } from './support.js';

let dirs: string[] = [];
let open: EmbeddedStore[] = [];

afterEach(async () => {
  await killLiveChildren();
  for (const s of open) await s.close().catch(() => undefined);
  open = [];
  for (const d of dirs) await removeDir(d);
  dirs = [];
});

async function tempDir(): Promise<string> {
  const d = await makeTempDir('recovery');
  dirs.push(d);
  return d;
}

async function openStore(
  dir: string,
  opts: { clock?: Clock; snapshotThresholdBytes?: number; leaseCheckIntervalMs?: number } = {},
): Promise<EmbeddedStore> {
  const s = await openEmbeddedStore({ dir, leaseCheckIntervalMs: 100, ...opts });
  open.push(s);
  return s;
}

async function closeStore(s: EmbeddedStore): Promise<void> {
  await s.close();
  open = open.filter((x) => x !== s);
}

/** A varied history: overwrites, deletes, a multi-op txn, leases, a revoke, compaction, a concurrent burst. */
async function workload(s: EmbeddedStore): Promise<{ leaseId: string }> {
  await s.put({ key: '/r/a', value: '1' });
  await s.put({ key: '/r/b', value: '1' });
  await s.put({ key: '/r/a', value: '2' });
  await s.deleteRange({ key: '/r/b' });
  await s.txn({
    compare: [{ key: '/r/a', target: 'value', result: '=', value: '2' }],
    success: [
      { put: { key: '/r/c', value: 'c' } },
      { put: { key: '/r/d', value: 'd' } },
      { put: { key: '/r/a', value: '3' } },
    ],
  });
  const keep = await s.leaseGrant(60);
  await s.put({ key: '/r/leased/1', value: 'x', lease: keep.id });
  await s.put({ key: '/r/leased/2', value: 'y', lease: keep.id });
  const gone = await s.leaseGrant(60, '4242');
  await s.put({ key: '/r/revoked', value: 'x', lease: gone.id });
  await s.leaseRevoke(gone.id);
  const r = (await s.status()).header.revision;
  await s.compact(r - 3);
  await s.put({ key: '/r/ünïcödé', value: 'line 1\nline 2 ☃ \u0000 end' });
  // Concurrent writers share group-commit frames.
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => s.put({ key: `/r/burst/${String(i).padStart(2, '0')}`, value: `${i}` })),
  );
  await s.deleteRange({ key: '/r/burst/1', rangeEnd: '/r/burst/3' });
  await s.put({ key: '/r/d', value: '', ignoreValue: true });
  await s.leaseKeepAlive(keep.id);
  return { leaseId: keep.id };
}

describe('embedded store: restart', () => {
  it('recovers exactly the acknowledged state: keys, revisions, history, compaction point, leases', async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const s1 = await openStore(dir, { clock });
    expect(existsSync(join(dir, 'LOCK'))).toBe(true);
    await workload(s1);
    const before = await dumpStore(s1);
    expect(before.compactRevision).toBeGreaterThan(0);
    expect(before.leases).toHaveLength(1);
    await closeStore(s1);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    expect(walFiles(dir).length).toBeGreaterThan(0);

    const s2 = await openStore(dir, { clock });
    expect(s2.recovery).toMatchObject({ truncatedBytes: 0, snapshotRevision: 0 });
    expect(s2.recovery.walRecords).toBeGreaterThan(10);
    expect(s2.recovery.message).toBeUndefined();
    expect(await dumpStore(s2)).toEqual(before);

    // It carries on from where it was.
    const next = await s2.put({ key: '/r/after-restart', value: '1' });
    expect(next.header.revision).toBe(before.revision + 1);
    const after = await dumpStore(s2);
    await closeStore(s2);
    const s3 = await openStore(dir, { clock });
    expect(await dumpStore(s3)).toEqual(after);
  });

  it('keeps a lease’s remaining TTL across a restart rather than renewing it', async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const s1 = await openStore(dir, { clock });
    const g = await s1.leaseGrant(60);
    await s1.put({ key: '/l/a', value: '1', lease: g.id });
    await s1.put({ key: '/l/b', value: '1', lease: g.id });
    await s1.put({ key: '/l/plain', value: '1' });
    const revBefore = (await s1.status()).header.revision;
    await closeStore(s1);

    clock.advance(20_000); // Down for 20 s.
    const s2 = await openStore(dir, { clock });
    const t = await s2.leaseTimeToLive(g.id, { keys: true });
    expect(t.grantedTtl).toBe(60);
    expect(t.ttl).toBeLessThanOrEqual(40);
    expect(t.ttl).toBeGreaterThanOrEqual(39);
    expect(t.keys).toEqual(['/l/a', '/l/b']);
    await closeStore(s2);

    clock.advance(45_000); // Down past the lease's expiry.
    const s3 = await openStore(dir, { clock });
    await waitFor(
      async () => {
        clock.advance(100);
        return (await s3.range({ key: '/l/', rangeEnd: prefixEnd('/l/') })).kvs.length === 1;
      },
      { message: 'the expired lease’s keys to be deleted after restart' },
    );
    expect((await s3.leaseTimeToLive(g.id)).ttl).toBe(-1);
    expect(await s3.leaseLeases()).toEqual([]);
    // Both keys went in one revision.
    const st = await s3.status();
    expect(st.header.revision).toBe(revBefore + 1);
    expect((await s3.range({ key: '/l/', rangeEnd: prefixEnd('/l/'), revision: revBefore })).kvs).toHaveLength(3);
    await closeStore(s3);

    // The expiry itself was logged: it does not come back.
    const s4 = await openStore(dir, { clock });
    expect((await s4.range({ key: '/l/', rangeEnd: prefixEnd('/l/') })).kvs.map((kv) => kv.key)).toEqual(['/l/plain']);
    expect((await s4.status()).header.revision).toBe(revBefore + 1);
  });

  it('does not reset a lease to its full TTL across a real-time restart', async () => {
    const dir = await tempDir();
    const s1 = await openStore(dir);
    const g = await s1.leaseGrant(60);
    // Wait (with a deadline) until a whole second has run off the lease.
    await waitFor(async () => (await s1.leaseTimeToLive(g.id)).ttl <= 58, { timeoutMs: 5_000, intervalMs: 50 });
    const ttlBefore = (await s1.leaseTimeToLive(g.id)).ttl;
    await closeStore(s1);
    const s2 = await openStore(dir);
    const t = await s2.leaseTimeToLive(g.id);
    expect(t.grantedTtl).toBe(60);
    expect(t.ttl).toBeLessThanOrEqual(ttlBefore);
    // And keepAlive still renews it.
    expect((await s2.leaseKeepAlive(g.id)).ttl).toBe(60);
    expect((await s2.leaseTimeToLive(g.id)).ttl).toBeGreaterThanOrEqual(59);
  });
});

describe('embedded store: torn WAL tail', () => {
  /** Ten sequential puts (one frame each); returns the dumps before and after the last one. */
  async function tenPuts(dir: string): Promise<{ beforeLast: StoreDump; afterLast: StoreDump; file: string }> {
    const s = await openStore(dir, { clock: new FakeClock() });
    for (let i = 0; i < 9; i++) await s.put({ key: `/t/${i}`, value: `value-${i}`.repeat(i + 1) });
    const beforeLast = await dumpStore(s);
    await s.put({ key: '/t/9', value: 'the last write' });
    const afterLast = await dumpStore(s);
    await closeStore(s);
    return { beforeLast, afterLast, file: newestWalWithData(dir) };
  }

  function garbage(n: number, avoid: Buffer): Buffer {
    // Random bytes that never contain the frame magic, so they cannot pass for a frame.
    for (;;) {
      const b = randomBytes(n);
      if (b.indexOf(avoid) === -1) return b;
    }
  }

  const appendCases: Array<{ name: string; bytes: (magic: Buffer) => Buffer }> = [
    { name: 'random garbage', bytes: (m) => garbage(777, m) },
    { name: 'a run of zeros (a file extended but never written)', bytes: () => Buffer.alloc(4096) },
    { name: 'a lone frame header', bytes: (m) => Buffer.concat([m, Buffer.from([0x10, 0, 0, 0, 1, 2, 3, 4])]) },
  ];

  for (const c of appendCases) {
    it(`truncates ${c.name} appended to the newest WAL and keeps every frame before it`, async () => {
      const dir = await tempDir();
      const { afterLast, file } = await tenPuts(dir);
      const original = readFileSync(file);
      const junk = c.bytes(original.subarray(0, 4));
      appendFileSync(file, junk);

      const s = await openStore(dir, { clock: new FakeClock() });
      expect(s.recovery.truncatedBytes).toBe(junk.length);
      expect(s.recovery.message).toContain(basename(file));
      expect(readFileSync(file).equals(original)).toBe(true);
      expect(await dumpStore(s)).toEqual(afterLast);

      // It keeps working, and the repair is permanent.
      await s.put({ key: '/t/new', value: 'n' });
      const d = await dumpStore(s);
      await closeStore(s);
      const again = await openStore(dir, { clock: new FakeClock() });
      expect(again.recovery.truncatedBytes).toBe(0);
      expect(again.recovery.message).toBeUndefined();
      expect(await dumpStore(again)).toEqual(d);
    });
  }

  it('truncates a last frame cut short at any point, losing only that frame', async () => {
    const dir = await tempDir();
    const { beforeLast, afterLast, file } = await tenPuts(dir);
    const pristine = readFileSync(file);
    const frames = framesOf(file);
    expect(frames.length).toBeGreaterThanOrEqual(10);
    const last = frames[frames.length - 1];
    const frameBytes = last.end - last.offset;
    const cuts = [1, 3, 4, 8, 11, 12, frameBytes - 12, frameBytes - 11, frameBytes - 1];
    for (const cut of [...new Set(cuts)].filter((n) => n > 0 && n < frameBytes)) {
      writeFileSync(file, pristine);
      truncateSync(file, pristine.length - cut);
      const s = await openStore(dir, { clock: new FakeClock() });
      expect(s.recovery.truncatedBytes, `cut ${cut}`).toBe(frameBytes - cut);
      expect(s.recovery.message, `cut ${cut}`).toContain(basename(file));
      expect(statSync(file).size, `cut ${cut}`).toBe(last.offset);
      expect(await dumpStore(s), `cut ${cut}`).toEqual(beforeLast);
      await closeStore(s);
    }
    // Cut exactly at the frame boundary: nothing to repair.
    writeFileSync(file, pristine.subarray(0, last.offset));
    const s = await openStore(dir, { clock: new FakeClock() });
    expect(s.recovery.truncatedBytes).toBe(0);
    expect(await dumpStore(s)).toEqual(beforeLast);
    await closeStore(s);
    // And the untouched file recovers everything.
    writeFileSync(file, pristine);
    const full = await openStore(dir, { clock: new FakeClock() });
    expect(await dumpStore(full)).toEqual(afterLast);
  });
});

describe('embedded store: corruption', () => {
  const cases: Array<{ name: string; frame: number; at: (f: { offset: number; length: number }) => number }> = [
    { name: 'a payload byte', frame: 1, at: (f) => f.offset + 12 + Math.floor(f.length / 2) },
    { name: 'the first payload byte', frame: 2, at: (f) => f.offset + 12 },
    { name: 'a checksum byte', frame: 1, at: (f) => f.offset + 9 },
    { name: 'a length byte', frame: 0, at: (f) => f.offset + 4 },
    { name: 'a magic byte', frame: 3, at: (f) => f.offset + 1 },
  ];

  for (const c of cases) {
    it(`refuses to open on ${c.name} flipped in frame ${c.frame} with later frames intact, leaving files as they were`, async () => {
      const dir = await tempDir();
      const s = await openStore(dir, { clock: new FakeClock() });
      for (let i = 0; i < 12; i++) await s.put({ key: `/c/${i}`, value: `value-${i}-`.repeat(5) });
      await closeStore(s);

      const file = newestWalWithData(dir);
      const frames = framesOf(file);
      expect(frames.length).toBeGreaterThan(c.frame + 5);
      const frame = frames[c.frame];
      const buf = readFileSync(file);
      const pos = c.at(frame);
      buf[pos] ^= 0x5a;
      writeFileSync(file, buf);
      const before = fileBytes(dir);

      for (let attempt = 0; attempt < 2; attempt++) {
        const err = await expectStorageError(openEmbeddedStore({ dir }), ErrCorrupt, 'Corrupt');
        expect(err.file).toBe(file);
        expect(err.offset).toBeGreaterThanOrEqual(frame.offset);
        expect(err.offset).toBeLessThan(frame.end);
        expect(err.message).toContain(file);
        expect(err.message).toContain(String(err.offset));
        // Nothing was truncated or rewritten, and the lock was let go.
        expect(fileBytes(dir)).toEqual(before);
        expect(existsSync(join(dir, 'LOCK'))).toBe(false);
      }
    });
  }

  it('refuses to open on a damaged snapshot, naming it, leaving files as they were', async () => {
    const dir = await tempDir();
    const s = await openStore(dir, { clock: new FakeClock(), snapshotThresholdBytes: 2048 });
    for (let i = 0; i < 60; i++) await s.put({ key: `/s/${i}`, value: 'v'.repeat(64) });
    await waitFor(() => snapFiles(dir).length > 0, { message: 'a snapshot' });
    await closeStore(s);
    const snap = snapFiles(dir)[snapFiles(dir).length - 1];
    const buf = readFileSync(snap);
    buf[Math.floor(buf.length / 2)] ^= 0xff;
    writeFileSync(snap, buf);
    const before = fileBytes(dir);
    const err = await expectStorageError(openEmbeddedStore({ dir }), ErrCorrupt, 'Corrupt');
    expect(err.file).toBe(snap);
    expect(err.message).toContain(snap);
    expect(fileBytes(dir)).toEqual(before);
  });
});

describe('embedded store: data-dir lock', () => {
  it('refuses a second open in the same process with ErrLocked until the first closes', async () => {
    const dir = await tempDir();
    const s1 = await openStore(dir);
    const r1 = (await s1.put({ key: '/k', value: '1' })).header.revision;
    const err = await expectStorageError(openEmbeddedStore({ dir }), ErrLocked, 'Locked');
    expect(err.holderPid).toBe(process.pid);
    expect(err.message).toContain(dir);
    // The failed open did not disturb the holder.
    expect((await s1.put({ key: '/k', value: '2' })).header.revision).toBe(r1 + 1);
    await closeStore(s1);
    const s2 = await openStore(dir);
    expect((await s2.range({ key: '/k' })).kvs[0].value).toBe('2');
  });

  it('refuses an open from another process while this one holds the dir', async () => {
    const dir = await tempDir();
    const s = await openStore(dir);
    const r1 = (await s.put({ key: '/k', value: '1' })).header.revision;
    const child = spawnScript('./lock-child.ts', ['try', dir]);
    const [, json] = await child.waitForLine(/^error (.*)$/);
    const e = JSON.parse(json) as { code: string; name: string; holderPid?: number };
    expect(e.code).toBe('Locked');
    expect(e.name).toBe('ErrLocked');
    expect(e.holderPid).toBe(process.pid);
    expect((await child.exited).code).toBe(0);
    // Still ours, still working.
    expect((await s.put({ key: '/k', value: '2' })).header.revision).toBe(r1 + 1);
  });

  it('is refused while another process holds the dir, and free once it closes', async () => {
    const dir = await tempDir();
    const child = spawnScript('./lock-child.ts', ['hold', dir]);
    const [, pid] = await child.waitForLine(/^held (\d+)$/);
    expect(Number(pid)).toBe(child.pid);
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toContain(String(child.pid));
    const err = await expectStorageError(openEmbeddedStore({ dir }), ErrLocked, 'Locked');
    expect(err.holderPid).toBe(child.pid);
    child.proc.stdin!.end();
    await child.waitForLine(/^closed$/);
    expect((await child.exited).code).toBe(0);
    const s = await openStore(dir);
    expect((await s.status()).header.revision).toBeGreaterThanOrEqual(0);
  });

  it('takes over the lock of a process killed with SIGKILL', async () => {
    const dir = await tempDir();
    const child = spawnScript('./lock-child.ts', ['hold', dir]);
    await child.waitForLine(/^held \d+$/);
    await expectStorageError(openEmbeddedStore({ dir }), ErrLocked, 'Locked');
    child.kill('SIGKILL');
    await child.exited;
    expect(existsSync(join(dir, 'LOCK'))).toBe(true); // Left behind by the dead process...
    const s = await openStore(dir); // ...and recognised as stale.
    await s.put({ key: '/k', value: '1' });
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toContain(String(process.pid));
  });
});

describe('embedded store: snapshots', () => {
  it('snapshots past the threshold, drops the WAL it covers, and restarts to an identical state', async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const s1 = await openStore(dir, { clock, snapshotThresholdBytes: 16 * 1024 });
    const lease = await s1.leaseGrant(120);
    await s1.put({ key: '/s/leased', value: 'l', lease: lease.id });
    await s1.put({ key: '/s/doomed', value: 'd' });
    await s1.deleteRange({ key: '/s/doomed' });
    const firstWal = walFiles(dir);
    expect(firstWal).toHaveLength(1);
    expect(snapFiles(dir)).toEqual([]);

    for (let i = 0; i < 150; i++) await s1.put({ key: `/s/k/${i % 50}`, value: `${i}:`.padEnd(100, 'x') });
    await s1.compact((await s1.status()).header.revision - 40);
    for (let i = 0; i < 100; i++) await s1.put({ key: `/s/k/${i % 50}`, value: `${i}:`.padEnd(100, 'y') });
    await waitFor(() => snapFiles(dir).length > 0 && !existsSync(firstWal[0]), {
      message: 'a snapshot to replace the first WAL segment',
    });
    // Writes after the snapshot go to the WAL on top of it.
    await s1.put({ key: '/s/after', value: 'a' });
    const before = await dumpStore(s1);
    await closeStore(s1);

    expect(existsSync(firstWal[0])).toBe(false);
    expect(snapFiles(dir).length).toBeGreaterThanOrEqual(1);
    clock.advance(10_000);
    const s2 = await openStore(dir, { clock });
    expect(s2.recovery.snapshotRevision).toBeGreaterThan(0);
    expect(s2.recovery.snapshotRevision).toBeLessThanOrEqual(before.revision);
    expect(s2.recovery.truncatedBytes).toBe(0);
    const after = await dumpStore(s2);
    // The lease came back from the snapshot with 10 s less to live; all else is identical.
    const [l] = after.leases;
    expect(l).toMatchObject({ id: lease.id, grantedTtl: 120, keys: ['/s/leased'] });
    expect(l.ttl).toBe(before.leases[0].ttl - 10);
    expect({ ...after, leases: [] }).toEqual({ ...before, leases: [] });

    // Snapshot + WAL again after more writes.
    await s2.put({ key: '/s/after2', value: 'b' });
    const d2 = await dumpStore(s2);
    await closeStore(s2);
    const s3 = await openStore(dir, { clock });
    expect(await dumpStore(s3)).toEqual(d2);
  });

  it('replays the same history from the compaction point before and after a snapshot restart', async () => {
    // Compaction lands exactly on a delete. A watch may start at the
    // compaction revision (etcd's rule: only starts *below* it are
    // compacted), and it must show the same events whether the store has
    // been restarted from a snapshot or not.
    const dir = await tempDir();
    const s1 = await openStore(dir, { snapshotThresholdBytes: 4096 });
    await s1.put({ key: '/h/a', value: '1' });
    await s1.put({ key: '/h/b', value: '1' });
    const d = (await s1.deleteRange({ key: '/h/a' })).header.revision;
    await s1.put({ key: '/h/c', value: '1' });
    await s1.compact(d);
    for (let i = 0; i < 60; i++) await s1.put({ key: `/h/fill/${i}`, value: 'f'.repeat(100) });
    await waitFor(() => snapFiles(dir).length > 0, { message: 'a snapshot' });
    const replay = async (s: EmbeddedStore): Promise<string[] | string> => {
      let log;
      try {
        log = await startWatch(s, { key: '/h/', rangeEnd: prefixEnd('/h/'), startRevision: d });
      } catch (err) {
        return (err as { code?: string }).code ?? String(err);
      }
      await log.waitForKey('/h/fill/59');
      await log.cancel();
      return eventSummary(log.events);
    };
    const before = await replay(s1);
    await closeStore(s1);
    const s2 = await openStore(dir);
    expect(s2.recovery.snapshotRevision).toBeGreaterThan(d);
    expect(await replay(s2)).toEqual(before);
  });
});
