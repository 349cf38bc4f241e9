// The storage conformance suite: every Store backend (see backends.ts) must
// behave like etcd v3 here. Revisions are asserted relative to the revision a
// test starts at, and keys live under a per-test prefix, so the same
// assertions hold for a fresh embedded store and for a shared real etcd.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ErrCompacted,
  ErrDuplicateKey,
  ErrFutureRev,
  ErrKeyNotFound,
  ErrLeaseExists,
  ErrLeaseNotFound,
  ErrClosed,
  ErrInvalidRequest,
} from '../../src/storage/errors.js';
import { prefixEnd, RANGE_TO_END } from '../../src/storage/keys.js';
import type {
  Compare,
  CompareResult,
  CompareTarget,
  KeyValue,
  RangeRequest,
  Store,
  TxnRequest,
  WatchEvent,
  WatchRequest,
} from '../../src/storage/types.js';
import { loadBackends, type TestStore } from './backends.js';
import { eventSummary, expectStorageError, startWatch, waitFor, type WatchLog } from './support.js';

const backends = await loadBackends();

for (const backend of backends) {
  const title = `Store conformance: ${backend.name}` + (backend.skipReason ? ` (skipped: ${backend.skipReason})` : '');

  describe.skipIf(backend.skipReason !== undefined)(title, () => {
    if (backend.loadError) {
      const loadError = backend.loadError;
      it('loads the backend', () => {
        throw loadError;
      });
      return;
    }

    beforeAll(() => backend.setup(), 120_000);
    afterAll(() => backend.teardown(), 60_000);

    let ts: TestStore | undefined;
    let s: Store;
    let p: string;
    let storeClosedByTest = false;
    let watches: WatchLog[] = [];

    beforeEach(async () => {
      ts = await backend.open();
      s = ts.store;
      p = ts.prefix;
      storeClosedByTest = false;
      watches = [];
    });

    afterEach(async () => {
      for (const w of watches) await w.cancel().catch(() => undefined);
      if (ts && !storeClosedByTest) await ts.close();
      else if (ts) await ts.close().catch(() => undefined);
      ts = undefined;
    });

    /** A key under this test's prefix. */
    const k = (name: string): string => p + name;
    const all = (): { key: string; rangeEnd: string } => ({ key: p, rangeEnd: prefixEnd(p) });
    const rev = async (): Promise<number> => (await s.status()).header.revision;
    const keysOf = (kvs: KeyValue[]): string[] => kvs.map((kv) => kv.key);
    const watch = async (req: WatchRequest): Promise<WatchLog> => {
      const log = await startWatch(s, req);
      watches.push(log);
      return log;
    };
    async function get(key: string, revision?: number): Promise<KeyValue | undefined> {
      const r = await s.range({ key, revision });
      expect(r.kvs.length).toBeLessThanOrEqual(1);
      return r.kvs[0];
    }

    // ───────────────────────────── revisions ─────────────────────────────

    describe('revisions', () => {
      it('gives every write txn exactly one new revision, and reads none', async () => {
        const r0 = await rev();
        expect((await s.put({ key: k('a'), value: '1' })).header.revision).toBe(r0 + 1);
        expect((await s.put({ key: k('b'), value: '1' })).header.revision).toBe(r0 + 2);
        const t = await s.txn({
          success: [
            { put: { key: k('a'), value: '2' } },
            { put: { key: k('b'), value: '2' } },
            { put: { key: k('c'), value: '1' } },
          ],
        });
        expect(t.succeeded).toBe(true);
        expect(t.header.revision).toBe(r0 + 3);
        const rr = await s.range(all());
        expect(rr.header.revision).toBe(r0 + 3);
        const d = await s.deleteRange(all());
        expect(d.deleted).toBe(3);
        expect(d.header.revision).toBe(r0 + 4);
        expect(await rev()).toBe(r0 + 4);
      });

      it('tracks createRevision, modRevision and version per key across delete and recreate', async () => {
        const key = k('x');
        const steps: Array<{ op: 'put' | 'delete'; value?: string; expect?: Partial<KeyValue> | null }> = [
          { op: 'put', value: 'v1', expect: { value: 'v1', version: 1 } },
          { op: 'put', value: 'v2', expect: { value: 'v2', version: 2 } },
          { op: 'put', value: 'v3', expect: { value: 'v3', version: 3 } },
          { op: 'delete', expect: null },
          { op: 'put', value: 'w1', expect: { value: 'w1', version: 1 } },
          { op: 'put', value: 'w2', expect: { value: 'w2', version: 2 } },
        ];
        const r0 = await rev();
        let createRevision = 0;
        for (const [i, step] of steps.entries()) {
          const r = r0 + i + 1;
          if (step.op === 'put') {
            const resp = await s.put({ key, value: step.value! });
            expect(resp.header.revision, `step ${i}`).toBe(r);
            if (step.expect!.version === 1) createRevision = r;
          } else {
            const resp = await s.deleteRange({ key });
            expect(resp.header.revision, `step ${i}`).toBe(r);
            expect(resp.deleted).toBe(1);
          }
          const kv = await get(key);
          if (step.expect === null) {
            expect(kv, `step ${i}`).toBeUndefined();
          } else {
            expect(kv, `step ${i}`).toEqual({
              key,
              lease: '0',
              createRevision,
              modRevision: r,
              ...step.expect,
            });
          }
        }
        // The recreated key has a new createRevision.
        expect(createRevision).toBe(r0 + 5);
      });
    });

    // ─────────────────────────────── range ───────────────────────────────

    describe('range', () => {
      const names = ['a', 'a/1', 'a/2', 'a0', 'b', 'c'];
      let firstRev = 0;

      async function seed(): Promise<void> {
        firstRev = (await rev()) + 1;
        for (const n of names) await s.put({ key: k(n), value: `v-${n}` });
      }

      it('selects one key, a prefix, [start,end) and from-key-to-end', async () => {
        await seed();
        const cases: Array<{ name: string; req: () => RangeRequest; want: string[] }> = [
          { name: 'single key', req: () => ({ key: k('a') }), want: ['a'] },
          { name: 'single missing key', req: () => ({ key: k('a/') }), want: [] },
          { name: 'prefix a/', req: () => ({ key: k('a/'), rangeEnd: prefixEnd(k('a/')) }), want: ['a/1', 'a/2'] },
          {
            name: 'prefix a',
            req: () => ({ key: k('a'), rangeEnd: prefixEnd(k('a')) }),
            want: ['a', 'a/1', 'a/2', 'a0'],
          },
          { name: '[a, b)', req: () => ({ key: k('a'), rangeEnd: k('b') }), want: ['a', 'a/1', 'a/2', 'a0'] },
          { name: '[a/2, c)', req: () => ({ key: k('a/2'), rangeEnd: k('c') }), want: ['a/2', 'a0', 'b'] },
          { name: '[b, b)', req: () => ({ key: k('b'), rangeEnd: k('b') }), want: [] },
          { name: '[c, a) (end before start)', req: () => ({ key: k('c'), rangeEnd: k('a') }), want: [] },
          { name: 'b to the end', req: () => ({ key: k('b'), rangeEnd: RANGE_TO_END }), want: ['b', 'c'] },
          { name: 'whole prefix', req: all, want: names },
        ];
        const cur = await rev();
        for (const c of cases) {
          const r = await s.range(c.req());
          expect(keysOf(r.kvs), c.name).toEqual(c.want.map(k));
          expect(r.count, c.name).toBe(c.want.length);
          expect(r.more, c.name).toBe(false);
          expect(r.header.revision, c.name).toBe(cur);
          for (const kv of r.kvs) {
            const i = names.indexOf(kv.key.slice(p.length));
            expect(kv, c.name).toEqual({
              key: kv.key,
              value: `v-${names[i]}`,
              createRevision: firstRev + i,
              modRevision: firstRev + i,
              version: 1,
              lease: '0',
            });
          }
        }
      });

      it('limits, with more and count', async () => {
        await seed();
        const cases = [
          { limit: 1, want: names.slice(0, 1), more: true },
          { limit: 2, want: names.slice(0, 2), more: true },
          { limit: 5, want: names.slice(0, 5), more: true },
          { limit: 6, want: names, more: false },
          { limit: 100, want: names, more: false },
          { limit: 0, want: names, more: false },
        ];
        for (const c of cases) {
          const r = await s.range({ ...all(), limit: c.limit });
          expect(keysOf(r.kvs), `limit ${c.limit}`).toEqual(c.want.map(k));
          expect(r.more, `limit ${c.limit}`).toBe(c.more);
          expect(r.count, `limit ${c.limit}`).toBe(names.length);
        }
        const prefixA = await s.range({ key: k('a'), rangeEnd: prefixEnd(k('a')), limit: 3 });
        expect(keysOf(prefixA.kvs)).toEqual(['a', 'a/1', 'a/2'].map(k));
        expect(prefixA.more).toBe(true);
        expect(prefixA.count).toBe(4);
      });

      it('counts only, and reads keys only', async () => {
        await seed();
        const c = await s.range({ ...all(), countOnly: true });
        expect(c.kvs).toEqual([]);
        expect(c.count).toBe(names.length);
        const c2 = await s.range({ key: k('a/'), rangeEnd: prefixEnd(k('a/')), countOnly: true });
        expect(c2.kvs).toEqual([]);
        expect(c2.count).toBe(2);

        const ko = await s.range({ ...all(), keysOnly: true });
        expect(keysOf(ko.kvs)).toEqual(names.map(k));
        expect(ko.count).toBe(names.length);
        for (const [i, kv] of ko.kvs.entries()) {
          expect(kv).toEqual({
            key: k(names[i]),
            value: '',
            createRevision: firstRev + i,
            modRevision: firstRev + i,
            version: 1,
            lease: '0',
          });
        }
      });

      it('reads at past revisions, including keys deleted since', async () => {
        const x = k('x');
        const y = k('y');
        const r1 = (await s.put({ key: x, value: '1' })).header.revision;
        const r2 = (await s.put({ key: x, value: '2' })).header.revision;
        const r3 = (await s.put({ key: y, value: '1' })).header.revision;
        const r4 = (await s.deleteRange({ key: x })).header.revision;
        expect([r2, r3, r4]).toEqual([r1 + 1, r1 + 2, r1 + 3]);

        const cases: Array<{ at: number; x: Partial<KeyValue> | undefined; keys: string[] }> = [
          { at: r1, x: { value: '1', createRevision: r1, modRevision: r1, version: 1 }, keys: [x] },
          { at: r2, x: { value: '2', createRevision: r1, modRevision: r2, version: 2 }, keys: [x] },
          { at: r3, x: { value: '2', createRevision: r1, modRevision: r2, version: 2 }, keys: [x, y] },
          { at: r4, x: undefined, keys: [y] },
          { at: 0, x: undefined, keys: [y] },
        ];
        for (const c of cases) {
          const one = await s.range({ key: x, revision: c.at });
          // The header carries the store's current revision, not the one read at.
          expect(one.header.revision, `at ${c.at}`).toBe(r4);
          if (c.x) expect(one.kvs, `at ${c.at}`).toEqual([{ key: x, lease: '0', ...c.x }]);
          else expect(one.kvs, `at ${c.at}`).toEqual([]);
          const many = await s.range({ ...all(), revision: c.at });
          expect(keysOf(many.kvs), `prefix at ${c.at}`).toEqual(c.keys);
          expect(many.count, `prefix at ${c.at}`).toBe(c.keys.length);
        }
      });

      it('rejects a future revision with ErrFutureRev', async () => {
        const r = (await s.put({ key: k('a'), value: '1' })).header.revision;
        await expectStorageError(s.range({ key: k('a'), revision: r + 1 }), ErrFutureRev, 'FutureRev');
        await expectStorageError(s.range({ ...all(), revision: r + 1000 }), ErrFutureRev, 'FutureRev');
        // The current revision itself is fine.
        expect((await s.range({ key: k('a'), revision: r })).kvs).toHaveLength(1);
      });

      it('filters by min/max mod and create revision', async () => {
        const ra = (await s.put({ key: k('a'), value: '1' })).header.revision; // a: create ra
        const rb = (await s.put({ key: k('b'), value: '1' })).header.revision; // b: create rb, mod rb
        const rc = (await s.put({ key: k('c'), value: '1' })).header.revision; // c: create rc, mod rc
        const ra2 = (await s.put({ key: k('a'), value: '2' })).header.revision; // a: mod ra2
        expect([rb, rc, ra2]).toEqual([ra + 1, ra + 2, ra + 3]);
        const cases: Array<{ f: Partial<RangeRequest>; want: string[] }> = [
          { f: { minModRevision: rc }, want: ['a', 'c'] },
          { f: { maxModRevision: rc }, want: ['b', 'c'] },
          { f: { minModRevision: rb, maxModRevision: rc }, want: ['b', 'c'] },
          { f: { minModRevision: ra2 + 1 }, want: [] },
          { f: { minCreateRevision: rb }, want: ['b', 'c'] },
          { f: { maxCreateRevision: rb }, want: ['a', 'b'] },
          { f: { minCreateRevision: rb, maxCreateRevision: rb }, want: ['b'] },
          { f: { minCreateRevision: ra, maxModRevision: ra2 }, want: ['a', 'b', 'c'] },
        ];
        for (const c of cases) {
          const r = await s.range({ ...all(), ...c.f });
          expect(keysOf(r.kvs), JSON.stringify(c.f)).toEqual(c.want.map(k));
        }
      });

      it('counts every key in the range, whatever the mod/create revision filters drop (as etcd)', async () => {
        // etcd applies min/max mod/create revision as a post-filter on the
        // kvs (etcdserver/apply.go pruneKVs) while `count` stays the number
        // of keys in the range (rpc.proto: "count is set to the number of
        // keys within the range when requested").
        const ra = (await s.put({ key: k('a'), value: '1' })).header.revision;
        await s.put({ key: k('b'), value: '1' });
        await s.put({ key: k('c'), value: '1' });
        const r = await s.range({ ...all(), minModRevision: ra + 1 });
        expect(keysOf(r.kvs)).toEqual([k('b'), k('c')]);
        expect(r.count).toBe(3);
        const limited = await s.range({ ...all(), minModRevision: ra + 1, limit: 1 });
        expect(keysOf(limited.kvs)).toEqual([k('b')]);
        expect(limited.more).toBe(true);
        expect(limited.count).toBe(3);
      });

      it('rejects an empty key with ErrInvalidRequest', async () => {
        await expectStorageError(s.range({ key: '' }), ErrInvalidRequest, 'InvalidRequest');
        await expectStorageError(s.put({ key: '', value: 'x' }), ErrInvalidRequest, 'InvalidRequest');
      });
    });

    // ──────────────────────────── put / delete ────────────────────────────

    describe('put and deleteRange', () => {
      it('returns prevKv only when asked and when there was one', async () => {
        const a = k('a');
        const p1 = await s.put({ key: a, value: '1', prevKv: true });
        expect(p1.prevKv).toBeUndefined();
        const p2 = await s.put({ key: a, value: '2', prevKv: true });
        expect(p2.prevKv).toEqual({
          key: a,
          value: '1',
          createRevision: p1.header.revision,
          modRevision: p1.header.revision,
          version: 1,
          lease: '0',
        });
        const p3 = await s.put({ key: a, value: '3' });
        expect(p3.prevKv).toBeUndefined();
        expect(p3.header.revision).toBe(p2.header.revision + 1);
      });

      it('keeps the value with ignoreValue and the lease with ignoreLease', async () => {
        const lease = (await s.leaseGrant(60)).id;
        const a = k('a');
        const r1 = (await s.put({ key: a, value: 'v1', lease })).header.revision;
        expect(await get(a)).toMatchObject({ value: 'v1', lease, version: 1 });

        const r2 = (await s.put({ key: a, value: 'v2', ignoreLease: true })).header.revision;
        expect(await get(a)).toEqual({ key: a, value: 'v2', lease, version: 2, createRevision: r1, modRevision: r2 });

        const r3 = (await s.put({ key: a, value: '', ignoreValue: true, lease, prevKv: true })).header.revision;
        expect(await get(a)).toEqual({ key: a, value: 'v2', lease, version: 3, createRevision: r1, modRevision: r3 });

        // A plain put without a lease detaches the key from its lease.
        const r4 = (await s.put({ key: a, value: 'v3' })).header.revision;
        expect(await get(a)).toEqual({
          key: a,
          value: 'v3',
          lease: '0',
          version: 4,
          createRevision: r1,
          modRevision: r4,
        });
        expect((await s.leaseTimeToLive(lease, { keys: true })).keys).toEqual([]);

        const r5 = (await s.put({ key: a, value: '', ignoreValue: true })).header.revision;
        expect(await get(a)).toEqual({
          key: a,
          value: 'v3',
          lease: '0',
          version: 5,
          createRevision: r1,
          modRevision: r5,
        });
      });

      it('rejects ignoreValue / ignoreLease on a missing key with ErrKeyNotFound', async () => {
        const r0 = (await s.put({ key: k('other'), value: '1' })).header.revision;
        await expectStorageError(
          s.put({ key: k('missing'), value: '', ignoreValue: true }),
          ErrKeyNotFound,
          'KeyNotFound',
        );
        await expectStorageError(
          s.put({ key: k('missing'), value: 'x', ignoreLease: true }),
          ErrKeyNotFound,
          'KeyNotFound',
        );
        expect(await rev()).toBe(r0);
        expect(await get(k('missing'))).toBeUndefined();
      });

      it('deletes one key or a prefix, with prevKvs and the deleted count, in one revision', async () => {
        const names = ['a', 'b/1', 'b/2', 'b/3', 'c'];
        const revs: Record<string, number> = {};
        for (const n of names) revs[n] = (await s.put({ key: k(n), value: `v-${n}` })).header.revision;
        const r0 = await rev();

        const one = await s.deleteRange({ key: k('a'), prevKv: true });
        expect(one.deleted).toBe(1);
        expect(one.header.revision).toBe(r0 + 1);
        expect(one.prevKvs).toEqual([
          { key: k('a'), value: 'v-a', createRevision: revs.a, modRevision: revs.a, version: 1, lease: '0' },
        ]);

        const pre = await s.deleteRange({ key: k('b/'), rangeEnd: prefixEnd(k('b/')), prevKv: true });
        expect(pre.deleted).toBe(3);
        expect(pre.header.revision).toBe(r0 + 2);
        expect(pre.prevKvs.map((kv) => [kv.key, kv.value, kv.modRevision])).toEqual(
          ['b/1', 'b/2', 'b/3'].map((n) => [k(n), `v-${n}`, revs[n]]),
        );
        // All three are gone at the same revision: one revision back, all three are there.
        expect(keysOf((await s.range({ ...all(), revision: r0 + 1 })).kvs)).toEqual(['b/1', 'b/2', 'b/3', 'c'].map(k));
        expect(keysOf((await s.range(all())).kvs)).toEqual([k('c')]);

        const noPrev = await s.deleteRange({ key: k('c') });
        expect(noPrev.deleted).toBe(1);
        expect(noPrev.prevKvs).toEqual([]);
        expect(noPrev.header.revision).toBe(r0 + 3);
      });

      it('does not bump the revision when nothing is deleted', async () => {
        await s.put({ key: k('a'), value: '1' });
        const r0 = await rev();
        const d1 = await s.deleteRange({ key: k('missing'), prevKv: true });
        expect(d1).toEqual({ header: { revision: r0 }, deleted: 0, prevKvs: [] });
        const d2 = await s.deleteRange({ key: k('x/'), rangeEnd: prefixEnd(k('x/')) });
        expect(d2.deleted).toBe(0);
        expect(d2.header.revision).toBe(r0);
        expect(await rev()).toBe(r0);
        // The next write gets the very next revision.
        expect((await s.put({ key: k('b'), value: '1' })).header.revision).toBe(r0 + 1);
      });
    });

    // ──────────────────────────────── txn ────────────────────────────────

    describe('txn', () => {
      it('evaluates compares on value, version, create, mod and lease with = != < >', async () => {
        const key = k('key');
        const lease = (await s.leaseGrant(60)).id;
        const rc = (await s.put({ key, value: 'm' })).header.revision;
        const rm = (await s.put({ key, value: 'm', lease })).header.revision;
        // key: value 'm', version 2, create rc, mod rm, lease `lease`.
        const cases: Array<[CompareTarget, CompareResult, string | number, boolean]> = [
          ['value', '=', 'm', true],
          ['value', '=', 'x', false],
          ['value', '!=', 'x', true],
          ['value', '!=', 'm', false],
          ['value', '<', 'n', true],
          ['value', '<', 'm', false],
          ['value', '>', 'l', true],
          ['value', '>', 'm', false],
          ['version', '=', 2, true],
          ['version', '=', 1, false],
          ['version', '!=', 1, true],
          ['version', '!=', 2, false],
          ['version', '<', 3, true],
          ['version', '<', 2, false],
          ['version', '>', 1, true],
          ['version', '>', 2, false],
          ['create', '=', rc, true],
          ['create', '!=', rc, false],
          ['create', '<', rc + 1, true],
          ['create', '<', rc, false],
          ['create', '>', rc - 1, true],
          ['create', '>', rc, false],
          ['mod', '=', rm, true],
          ['mod', '=', rc, false],
          ['mod', '!=', rc, true],
          ['mod', '<', rm, false],
          ['mod', '<', rm + 1, true],
          ['mod', '>', rc, true],
          ['mod', '>', rm, false],
          ['lease', '=', lease, true],
          ['lease', '=', '0', false],
          ['lease', '!=', '0', true],
          ['lease', '!=', lease, false],
          ['lease', '>', '0', true],
        ];
        const r0 = await rev();
        for (const [target, result, value, want] of cases) {
          const t = await s.txn({ compare: [{ key, target, result, value }] });
          expect(t.succeeded, `${target} ${result} ${value}`).toBe(want);
        }
        // Several compares are ANDed.
        const both = await s.txn({
          compare: [
            { key, target: 'value', result: '=', value: 'm' },
            { key, target: 'version', result: '=', value: 2 },
          ],
        });
        expect(both.succeeded).toBe(true);
        const oneFalse = await s.txn({
          compare: [
            { key, target: 'value', result: '=', value: 'm' },
            { key, target: 'version', result: '=', value: 3 },
          ],
        });
        expect(oneFalse.succeeded).toBe(false);
        expect(await rev()).toBe(r0);
      });

      it('compares a missing key as version/create/mod 0 and lease "0"; a value compare on it is false', async () => {
        const missing = k('missing');
        const cases: Array<[CompareTarget, CompareResult, string | number, boolean]> = [
          ['version', '=', 0, true],
          ['version', '>', 0, false],
          ['version', '<', 1, true],
          ['create', '=', 0, true],
          ['create', '!=', 0, false],
          ['mod', '=', 0, true],
          ['mod', '<', 1, true],
          ['lease', '=', '0', true],
          // etcd: "Always fail if comparing a value on a key/keys that doesn't exist".
          ['value', '=', '', false],
          ['value', '!=', 'x', false],
          ['value', '<', 'z', false],
          ['value', '>', '', false],
        ];
        for (const [target, result, value, want] of cases) {
          const t = await s.txn({ compare: [{ key: missing, target, result, value }] });
          expect(t.succeeded, `missing: ${target} ${result} ${value}`).toBe(want);
        }
        // The create-if-absent idiom.
        const created = await s.txn({
          compare: [{ key: missing, target: 'create', result: '=', value: 0 }],
          success: [{ put: { key: missing, value: 'new' } }],
        });
        expect(created.succeeded).toBe(true);
        const again = await s.txn({
          compare: [{ key: missing, target: 'create', result: '=', value: 0 }],
          success: [{ put: { key: missing, value: 'newer' } }],
        });
        expect(again.succeeded).toBe(false);
        expect((await get(missing))?.value).toBe('new');
      });

      it('applies a compare with rangeEnd to every key in the range', async () => {
        const pre = k('r/');
        const range = { key: pre, rangeEnd: prefixEnd(pre) };
        for (const n of ['1', '2', '3']) await s.put({ key: pre + n, value: 'x' });
        const check = async (c: Omit<Compare, 'key' | 'rangeEnd'>, r = range) =>
          (await s.txn({ compare: [{ ...r, ...c }] })).succeeded;
        expect(await check({ target: 'version', result: '=', value: 1 })).toBe(true);
        expect(await check({ target: 'value', result: '=', value: 'x' })).toBe(true);
        await s.put({ key: pre + '2', value: 'y' });
        expect(await check({ target: 'version', result: '=', value: 1 })).toBe(false);
        expect(await check({ target: 'version', result: '>', value: 0 })).toBe(true);
        expect(await check({ target: 'value', result: '=', value: 'x' })).toBe(false);
        expect(await check({ target: 'value', result: '!=', value: 'z' })).toBe(true);
        // An empty range: non-value targets compare against zero, value compares fail.
        const empty = { key: k('none/'), rangeEnd: prefixEnd(k('none/')) };
        expect(await check({ target: 'version', result: '=', value: 0 }, empty)).toBe(true);
        expect(await check({ target: 'create', result: '>', value: 0 }, empty)).toBe(false);
        expect(await check({ target: 'value', result: '!=', value: 'x' }, empty)).toBe(false);
      });

      it('runs the success or the failure branch, with a response per op', async () => {
        const a = k('a');
        const b = k('b');
        await s.put({ key: b, value: 'old-b' });
        const r0 = await rev();
        const branch = (value: string): TxnRequest => ({
          compare: [{ key: a, target: 'value', result: '=', value }],
          success: [
            { put: { key: a, value: 'from-success' } },
            { range: { key: a } },
            { deleteRange: { key: b, prevKv: true } },
          ],
          failure: [{ put: { key: a, value: 'from-failure', prevKv: true } }, { range: { key: b } }],
        });

        // a is missing: the value compare fails.
        const f = await s.txn(branch('anything'));
        expect(f.succeeded).toBe(false);
        expect(f.header.revision).toBe(r0 + 1);
        expect(f.responses).toHaveLength(2);
        expect(f.responses[0]).toEqual({ put: { header: { revision: r0 + 1 } } });
        const fr = f.responses[1];
        expect('range' in fr && fr.range.kvs.map((kv) => kv.value)).toEqual(['old-b']);
        expect(await get(a)).toMatchObject({ value: 'from-failure', modRevision: r0 + 1 });

        const t = await s.txn(branch('from-failure'));
        expect(t.succeeded).toBe(true);
        expect(t.header.revision).toBe(r0 + 2);
        expect(t.responses).toHaveLength(3);
        const [put, range, del] = t.responses;
        expect('put' in put && put.put.header.revision).toBe(r0 + 2);
        // A range after a put in the same txn sees the put (etcd reads its own writes in a txn).
        expect('range' in range && range.range.kvs).toEqual([
          { key: a, value: 'from-success', createRevision: r0 + 1, modRevision: r0 + 2, version: 2, lease: '0' },
        ]);
        expect('deleteRange' in del && del.deleteRange.deleted).toBe(1);
        expect('deleteRange' in del && del.deleteRange.prevKvs.map((kv) => kv.value)).toEqual(['old-b']);
        expect(await get(b)).toBeUndefined();
        expect(await rev()).toBe(r0 + 2);
      });

      it('commits all ops of a txn at one revision', async () => {
        await s.put({ key: k('gone'), value: '1' });
        const r0 = await rev();
        const t = await s.txn({
          success: [
            { put: { key: k('a'), value: '1' } },
            { put: { key: k('b'), value: '1' } },
            { deleteRange: { key: k('gone') } },
            { put: { key: k('c'), value: '1' } },
          ],
        });
        expect(t.header.revision).toBe(r0 + 1);
        const kvs = (await s.range(all())).kvs;
        expect(kvs.map((kv) => [kv.key, kv.modRevision])).toEqual([
          [k('a'), r0 + 1],
          [k('b'), r0 + 1],
          [k('c'), r0 + 1],
        ]);
        expect(await rev()).toBe(r0 + 1);
      });

      it('does not bump the revision for a txn that only reads or changes nothing', async () => {
        await s.put({ key: k('a'), value: '1' });
        const r0 = await rev();
        const reads = await s.txn({ success: [{ range: { key: k('a') } }, { range: all() }] });
        expect(reads.succeeded).toBe(true);
        expect(reads.header.revision).toBe(r0);
        const failedWrite = await s.txn({
          compare: [{ key: k('a'), target: 'value', result: '=', value: 'nope' }],
          success: [{ put: { key: k('a'), value: '2' } }],
        });
        expect(failedWrite.succeeded).toBe(false);
        expect(failedWrite.header.revision).toBe(r0);
        const deletesNothing = await s.txn({ success: [{ deleteRange: { key: k('missing') } }] });
        expect(deletesNothing.header.revision).toBe(r0);
        const empty = await s.txn({});
        expect(empty.succeeded).toBe(true);
        expect(empty.responses).toEqual([]);
        expect(await rev()).toBe(r0);
      });

      it('runs nested txns at the outer txn revision', async () => {
        await s.put({ key: k('flag'), value: 'on' });
        const r0 = await rev();
        const t = await s.txn({
          compare: [{ key: k('flag'), target: 'value', result: '=', value: 'on' }],
          success: [
            { put: { key: k('outer'), value: '1' } },
            {
              txn: {
                compare: [{ key: k('flag'), target: 'version', result: '=', value: 1 }],
                success: [{ put: { key: k('inner-success'), value: '1' } }],
                failure: [{ put: { key: k('inner-failure'), value: '1' } }],
              },
            },
            {
              txn: {
                compare: [{ key: k('flag'), target: 'value', result: '=', value: 'off' }],
                success: [{ put: { key: k('inner2-success'), value: '1' } }],
                failure: [{ put: { key: k('inner2-failure'), value: '1' } }, { range: { key: k('flag') } }],
              },
            },
          ],
        });
        expect(t.succeeded).toBe(true);
        expect(t.header.revision).toBe(r0 + 1);
        expect(t.responses).toHaveLength(3);
        const n1 = t.responses[1];
        const n2 = t.responses[2];
        expect('txn' in n1 && n1.txn.succeeded).toBe(true);
        expect('txn' in n2 && n2.txn.succeeded).toBe(false);
        expect('txn' in n2 && n2.txn.responses).toHaveLength(2);
        const kvs = (await s.range(all())).kvs;
        expect(kvs.map((kv) => [kv.key, kv.modRevision])).toEqual([
          [k('flag'), r0],
          [k('inner-success'), r0 + 1],
          [k('inner2-failure'), r0 + 1],
          [k('outer'), r0 + 1],
        ]);
      });

      it('rejects a txn that writes one key twice with ErrDuplicateKey, writing nothing', async () => {
        await s.put({ key: k('a'), value: '0' });
        const r0 = await rev();
        await expectStorageError(
          s.txn({
            success: [
              { put: { key: k('b'), value: '1' } },
              { put: { key: k('a'), value: '1' } },
              { put: { key: k('a'), value: '2' } },
            ],
          }),
          ErrDuplicateKey,
          'DuplicateKey',
        );
        await expectStorageError(
          s.txn({
            success: [
              { put: { key: k('a/x'), value: '1' } },
              { deleteRange: { key: k('a/'), rangeEnd: prefixEnd(k('a/')) } },
            ],
          }),
          ErrDuplicateKey,
          'DuplicateKey',
        );
        expect(await rev()).toBe(r0);
        expect(keysOf((await s.range(all())).kvs)).toEqual([k('a')]);
        expect((await get(k('a')))?.value).toBe('0');
      });

      it('lets exactly one of two writers win a compare-on-modRevision race', async () => {
        const key = k('cas');
        const r = (await s.put({ key, value: 'start' })).header.revision;
        const write = (who: string) =>
          s.txn({
            compare: [{ key, target: 'mod', result: '=', value: r }],
            success: [{ put: { key, value: who } }],
            failure: [{ range: { key } }],
          });
        const [w1, w2] = await Promise.all([write('w1'), write('w2')]);
        expect([w1.succeeded, w2.succeeded].sort()).toEqual([false, true]);
        const winner = w1.succeeded ? 'w1' : 'w2';
        const loser = w1.succeeded ? w2 : w1;
        const seen = loser.responses[0];
        expect('range' in seen && seen.range.kvs[0]).toMatchObject({ value: winner, modRevision: r + 1 });
        expect(await get(key)).toMatchObject({ value: winner, modRevision: r + 1, version: 2 });
        // A second writer that read the old revision loses, sequentially too.
        expect((await write('late')).succeeded).toBe(false);
        expect((await get(key))?.value).toBe(winner);
      });

      it('serializes concurrent read-modify-write increments without losing one', async () => {
        const key = k('counter');
        await s.put({ key, value: '0' });
        const r0 = await rev();
        const clients = 12;
        let conflicts = 0;
        await Promise.all(
          Array.from({ length: clients }, async () => {
            for (;;) {
              const kv = (await get(key))!;
              const t = await s.txn({
                compare: [{ key, target: 'mod', result: '=', value: kv.modRevision }],
                success: [{ put: { key, value: String(Number(kv.value) + 1) } }],
              });
              if (t.succeeded) return;
              conflicts++;
            }
          }),
        );
        expect(await get(key)).toMatchObject({
          value: String(clients),
          version: clients + 1,
          modRevision: r0 + clients,
        });
        expect(await rev()).toBe(r0 + clients);
        expect(conflicts).toBeGreaterThanOrEqual(0);
      });
    });

    // ─────────────────────────────── watch ───────────────────────────────

    describe('watch', () => {
      it('watches one key', async () => {
        const w = await watch({ key: k('a') });
        const r1 = (await s.put({ key: k('a'), value: '1' })).header.revision;
        await s.put({ key: k('ab'), value: '1' });
        await s.put({ key: k('b'), value: '1' });
        const r4 = (await s.deleteRange({ key: k('a') })).header.revision;
        const evs = await w.waitForKey(k('a'), 'DELETE');
        expect(eventSummary(evs)).toEqual([`PUT ${k('a')}@${r1}`, `DELETE ${k('a')}@${r4}`]);
        expect(evs[0]).toEqual({
          type: 'PUT',
          kv: { key: k('a'), value: '1', createRevision: r1, modRevision: r1, version: 1, lease: '0' },
        });
        expect(evs[1].kv).toEqual({
          key: k('a'),
          value: '',
          createRevision: 0,
          modRevision: r4,
          version: 0,
          lease: '0',
        });
        for (const resp of w.responses.filter((r) => r.events.length)) {
          expect(resp.header.revision).toBeGreaterThanOrEqual(Math.max(...resp.events.map((e) => e.kv.modRevision)));
        }
      });

      it('watches a prefix', async () => {
        const pre = k('dir/');
        const w = await watch({ key: pre, rangeEnd: prefixEnd(pre) });
        const r1 = (await s.put({ key: k('dir/1'), value: '1' })).header.revision;
        await s.put({ key: k('dir'), value: 'x' });
        await s.put({ key: k('dir0'), value: 'x' });
        const r4 = (await s.put({ key: k('dir/sub/2'), value: '2' })).header.revision;
        const r5 = (await s.deleteRange({ key: pre, rangeEnd: prefixEnd(pre) })).header.revision;
        const r6 = (await s.put({ key: k('dir/end'), value: 'e' })).header.revision;
        const evs = await w.waitForKey(k('dir/end'));
        expect(eventSummary(evs)).toEqual([
          `PUT ${k('dir/1')}@${r1}`,
          `PUT ${k('dir/sub/2')}@${r4}`,
          `DELETE ${k('dir/1')}@${r5}`,
          `DELETE ${k('dir/sub/2')}@${r5}`,
          `PUT ${k('dir/end')}@${r6}`,
        ]);
      });

      it('replays history in order from a past revision, then continues live', async () => {
        const a = k('a');
        const b = k('b');
        const r1 = (await s.put({ key: a, value: '1' })).header.revision;
        const r2 = (await s.put({ key: b, value: '1' })).header.revision;
        const r3 = (await s.put({ key: a, value: '2' })).header.revision;
        const r4 = (await s.deleteRange({ key: b })).header.revision;
        const w = await watch({ ...all(), startRevision: r1 });
        const history = await w.waitForEvents(4);
        expect(history).toEqual([
          { type: 'PUT', kv: { key: a, value: '1', createRevision: r1, modRevision: r1, version: 1, lease: '0' } },
          { type: 'PUT', kv: { key: b, value: '1', createRevision: r2, modRevision: r2, version: 1, lease: '0' } },
          { type: 'PUT', kv: { key: a, value: '2', createRevision: r1, modRevision: r3, version: 2, lease: '0' } },
          { type: 'DELETE', kv: { key: b, value: '', createRevision: 0, modRevision: r4, version: 0, lease: '0' } },
        ]);
        const w3 = await watch({ ...all(), startRevision: r3 });
        const r5 = (await s.put({ key: a, value: '3' })).header.revision;
        expect(eventSummary(await w.waitForEvents(5))).toEqual([
          `PUT ${a}@${r1}`,
          `PUT ${b}@${r2}`,
          `PUT ${a}@${r3}`,
          `DELETE ${b}@${r4}`,
          `PUT ${a}@${r5}`,
        ]);
        expect(eventSummary(await w3.waitForEvents(3))).toEqual([
          `PUT ${a}@${r3}`,
          `DELETE ${b}@${r4}`,
          `PUT ${a}@${r5}`,
        ]);
      });

      it('without startRevision delivers only changes after the watch starts', async () => {
        await s.put({ key: k('before'), value: '1' });
        await s.put({ key: k('before'), value: '2' });
        const w = await watch(all());
        const r = (await s.put({ key: k('after'), value: '1' })).header.revision;
        const evs = await w.waitForKey(k('after'));
        expect(eventSummary(evs)).toEqual([`PUT ${k('after')}@${r}`]);
      });

      it('waits when startRevision is in the future', async () => {
        const r0 = await rev();
        const w = await watch({ ...all(), startRevision: r0 + 3 });
        for (const n of ['1', '2', '3', '4']) await s.put({ key: k(n), value: n });
        await w.waitForKey(k('4'));
        expect(eventSummary(w.events)).toEqual([`PUT ${k('3')}@${r0 + 3}`, `PUT ${k('4')}@${r0 + 4}`]);
      });

      it('delivers every revision of 500 concurrent writes exactly once, in order', async () => {
        const n = 500;
        const r0 = await rev();
        const live = await watch(all());
        const puts = await Promise.all(
          Array.from({ length: n }, (_, i) => s.put({ key: k(`w/${String(i).padStart(3, '0')}`), value: String(i) })),
        );
        const putRevs = puts.map((r) => r.header.revision);
        expect([...putRevs].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => r0 + 1 + i));
        const expected = new Map(puts.map((r, i) => [k(`w/${String(i).padStart(3, '0')}`), r.header.revision]));

        const check = (evs: WatchEvent[], label: string): void => {
          expect(evs.length, label).toBe(n);
          expect(
            evs.map((e) => e.kv.modRevision),
            label,
          ).toEqual(Array.from({ length: n }, (_, i) => r0 + 1 + i));
          for (const e of evs) {
            expect(e.type).toBe('PUT');
            expect(expected.get(e.kv.key), `${label}: ${e.kv.key}`).toBe(e.kv.modRevision);
          }
        };
        check(await live.waitForEvents(n, 20_000), 'live watch');
        const replay = await watch({ ...all(), startRevision: r0 + 1 });
        check(await replay.waitForEvents(n, 20_000), 'replayed watch');
        // Nothing more arrives: a marker is the very next event on both.
        const rm = (await s.put({ key: k('marker'), value: 'm' })).header.revision;
        for (const w of [live, replay]) {
          await w.waitForKey(k('marker'));
          expect(w.events.length).toBe(n + 1);
          expect(w.events[n].kv.modRevision).toBe(rm);
        }
      });

      it('attaches prevKv to PUT and DELETE events when asked', async () => {
        const a = k('a');
        const withPrev = await watch({ ...all(), prevKv: true });
        const without = await watch(all());
        const r1 = (await s.put({ key: a, value: '1' })).header.revision;
        const r2 = (await s.put({ key: a, value: '2' })).header.revision;
        const r3 = (await s.deleteRange({ key: a })).header.revision;
        const evs = await withPrev.waitForKey(a, 'DELETE');
        expect(evs).toEqual([
          { type: 'PUT', kv: { key: a, value: '1', createRevision: r1, modRevision: r1, version: 1, lease: '0' } },
          {
            type: 'PUT',
            kv: { key: a, value: '2', createRevision: r1, modRevision: r2, version: 2, lease: '0' },
            prevKv: { key: a, value: '1', createRevision: r1, modRevision: r1, version: 1, lease: '0' },
          },
          {
            type: 'DELETE',
            kv: { key: a, value: '', createRevision: 0, modRevision: r3, version: 0, lease: '0' },
            prevKv: { key: a, value: '2', createRevision: r1, modRevision: r2, version: 2, lease: '0' },
          },
        ]);
        const plain = await without.waitForKey(a, 'DELETE');
        expect(plain.map((e) => e.prevKv)).toEqual([undefined, undefined, undefined]);
      });

      it('drops PUTs with noput and DELETEs with nodelete', async () => {
        const noput = await watch({ ...all(), filters: ['noput'] });
        const nodelete = await watch({ ...all(), filters: ['nodelete'] });
        const revs: number[] = [];
        for (const n of ['a', 'b', 'c']) {
          revs.push((await s.put({ key: k(n), value: n })).header.revision);
          revs.push((await s.deleteRange({ key: k(n) })).header.revision);
        }
        expect(eventSummary(await noput.waitForKey(k('c'), 'DELETE'))).toEqual([
          `DELETE ${k('a')}@${revs[1]}`,
          `DELETE ${k('b')}@${revs[3]}`,
          `DELETE ${k('c')}@${revs[5]}`,
        ]);
        expect(eventSummary(await nodelete.waitForKey(k('c'), 'PUT'))).toEqual([
          `PUT ${k('a')}@${revs[0]}`,
          `PUT ${k('b')}@${revs[2]}`,
          `PUT ${k('c')}@${revs[4]}`,
        ]);
        // And nothing else turns up behind the last expected event.
        const rm = (await s.put({ key: k('marker'), value: 'm' })).header.revision;
        await nodelete.waitForKey(k('marker'));
        expect(eventSummary(nodelete.events).slice(3)).toEqual([`PUT ${k('marker')}@${rm}`]);
        await s.deleteRange({ key: k('marker') });
        await noput.waitForKey(k('marker'), 'DELETE');
        expect(noput.events.every((e) => e.type === 'DELETE')).toBe(true);
        expect(noput.events).toHaveLength(4);
      });

      it('resumes after cancel from last+1 with exactly the remaining events', async () => {
        const r0 = await rev();
        for (let i = 0; i < 20; i++) await s.put({ key: k(`r/${i % 4}`), value: String(i) });
        const first = await watch({ ...all(), startRevision: r0 + 1 });
        await first.waitForEvents(5);
        await first.cancel();
        const got = first.events;
        const last = got[got.length - 1].kv.modRevision;
        const second = await watch({ ...all(), startRevision: last + 1 });
        for (let i = 20; i < 25; i++) await s.put({ key: k(`r/${i % 4}`), value: String(i) });
        const marker = (await s.put({ key: k('marker'), value: 'm' })).header.revision;
        await second.waitForKey(k('marker'));
        const combined = [...got, ...second.events].map((e) => e.kv.modRevision);
        expect(combined).toEqual([...Array.from({ length: 25 }, (_, i) => r0 + 1 + i), marker]);
        const values = [...got, ...second.events].slice(0, 25).map((e) => e.kv.value);
        expect(values).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
      });

      it('answers requestProgress with a progress notification at or past the last write', async () => {
        const w = await watch({ key: k('w/'), rangeEnd: prefixEnd(k('w/')) });
        const r = (await s.put({ key: k('w/a'), value: '1' })).header.revision;
        await w.waitForKey(k('w/a'));
        // A write outside the watched range still moves the store's revision.
        const other = (await s.put({ key: k('other'), value: '1' })).header.revision;
        expect(other).toBe(r + 1);
        w.watcher!.requestProgress();
        const progress = await waitFor(() => w.progress[0], { timeoutMs: 10_000, message: 'progress notification' });
        expect(progress.progressNotify).toBe(true);
        expect(progress.events).toEqual([]);
        expect(progress.header.revision).toBeGreaterThanOrEqual(other);
        expect(w.events).toHaveLength(1);
      });

      it('sends periodic progress notifications to an idle watch that asks for them, and only to it', async () => {
        const r = (await s.put({ key: k('a'), value: '1' })).header.revision;
        const quiet = await watch(all());
        const w = await watch({ ...all(), progressNotify: true });
        const two = await waitFor(() => (w.progress.length >= 2 ? w.progress : undefined), {
          timeoutMs: 10_000,
          message: 'two periodic progress notifications',
        });
        for (const n of two) {
          expect(n.events).toEqual([]);
          expect(n.header.revision).toBeGreaterThanOrEqual(r);
        }
        expect(w.events).toEqual([]);
        expect(quiet.responses).toEqual([]);
      });

      it('stops delivering events once canceled', async () => {
        const canceled = await watch(all());
        const sentinel = await watch(all());
        await s.put({ key: k('x'), value: '1' });
        await canceled.waitForKey(k('x'));
        await canceled.cancel();
        const before = canceled.events.length;
        await s.put({ key: k('y'), value: '1' });
        await s.deleteRange({ key: k('x') });
        await sentinel.waitForKey(k('x'), 'DELETE');
        expect(canceled.events).toHaveLength(before);
        expect(eventSummary(canceled.events)).toEqual(eventSummary(sentinel.events.slice(0, 1)));
        // Canceling twice is harmless.
        await canceled.cancel();
      });

      it('delivers the events of one txn with the same modRevision', async () => {
        await s.put({ key: k('c'), value: 'old' });
        const w = await watch({ ...all(), prevKv: true });
        const t = await s.txn({
          success: [
            { put: { key: k('a'), value: '1' } },
            { put: { key: k('b'), value: '1' } },
            { deleteRange: { key: k('c') } },
          ],
        });
        const evs = await w.waitForEvents(3);
        expect(evs).toHaveLength(3);
        expect(new Set(evs.map((e) => e.kv.modRevision))).toEqual(new Set([t.header.revision]));
        expect(evs.map((e) => `${e.type} ${e.kv.key}`).sort()).toEqual(
          [`DELETE ${k('c')}`, `PUT ${k('a')}`, `PUT ${k('b')}`].sort(),
        );
        expect(evs.find((e) => e.type === 'DELETE')?.prevKv?.value).toBe('old');
      });
    });

    // ───────────────────────────── compaction ─────────────────────────────

    describe('compaction', () => {
      async function history(): Promise<number[]> {
        const a = k('a');
        const r1 = (await s.put({ key: a, value: '1' })).header.revision;
        const r2 = (await s.put({ key: a, value: '2' })).header.revision;
        const r3 = (await s.put({ key: k('b'), value: '1' })).header.revision;
        const r4 = (await s.deleteRange({ key: k('b') })).header.revision;
        const r5 = (await s.put({ key: a, value: '3' })).header.revision;
        const r6 = (await s.put({ key: k('c'), value: '1' })).header.revision;
        return [r1, r2, r3, r4, r5, r6];
      }

      it('drops history below the compaction revision and keeps everything from it on', async () => {
        const [r1, r2, r3, r4, r5, r6] = await history();
        const c = await s.compact(r5);
        expect(c.header.revision).toBe(r6);
        expect((await s.status()).compactRevision).toBe(r5);

        for (const at of [r1, r2, r3, r4]) {
          await expectStorageError(s.range({ key: k('a'), revision: at }), ErrCompacted, 'Compacted');
          await expectStorageError(s.range({ ...all(), revision: at }), ErrCompacted, 'Compacted');
        }
        // The view at the compaction revision itself is intact; b, deleted before it, is gone.
        const atC = await s.range({ ...all(), revision: r5 });
        expect(atC.kvs).toEqual([
          { key: k('a'), value: '3', createRevision: r1, modRevision: r5, version: 3, lease: '0' },
        ]);
        const atR6 = await s.range({ ...all(), revision: r6 });
        expect(keysOf(atR6.kvs)).toEqual([k('a'), k('c')]);
        // Latest values are intact, versions and create revisions too.
        expect((await s.range(all())).kvs).toEqual([
          { key: k('a'), value: '3', createRevision: r1, modRevision: r5, version: 3, lease: '0' },
          { key: k('c'), value: '1', createRevision: r6, modRevision: r6, version: 1, lease: '0' },
        ]);
        // The store still writes.
        expect((await s.put({ key: k('a'), value: '4' })).header.revision).toBe(r6 + 1);
        expect(await get(k('a'))).toMatchObject({ value: '4', version: 4, createRevision: r1 });
      });

      it('rejects compacting again at or below the compaction point, and a future revision', async () => {
        const [, , r3, , r5, r6] = await history();
        await s.compact(r5);
        await expectStorageError(s.compact(r5), ErrCompacted, 'Compacted');
        await expectStorageError(s.compact(r3), ErrCompacted, 'Compacted');
        await expectStorageError(s.compact(r6 + 1), ErrFutureRev, 'FutureRev');
        expect((await s.status()).compactRevision).toBe(r5);
        // Compacting forward still works.
        await s.compact(r6);
        expect((await s.status()).compactRevision).toBe(r6);
        await expectStorageError(s.range({ key: k('a'), revision: r5 }), ErrCompacted, 'Compacted');
      });

      it('rejects a watch that starts below the compaction point with ErrCompacted', async () => {
        const [r1, , , r4, r5] = await history();
        await s.compact(r5);
        for (const start of [r1, r4]) {
          const err = await expectStorageError(
            s.watch({ ...all(), startRevision: start }, () => undefined),
            ErrCompacted,
            'Compacted',
          );
          expect(err.compactRevision, `start ${start}`).toBe(r5);
        }
      });

      it('accepts a watch that starts exactly at the compaction point, as etcd does', async () => {
        // etcd cancels a watch with compact_revision only when its start is
        // *below* the compaction point (mvcc/watchable_store.go:
        // "if w.minRev < compactRev"); the revision compacted at is still
        // readable and watchable. (The Store doc comment says "at or below";
        // both backends follow etcd.)
        const [, , , , r5, r6] = await history();
        await s.compact(r5);
        const w = await watch({ ...all(), startRevision: r5 });
        expect(eventSummary(await w.waitForEvents(2))).toEqual([`PUT ${k('a')}@${r5}`, `PUT ${k('c')}@${r6}`]);
      });

      it('replays from just after the compaction point', async () => {
        const [, , , , r5, r6] = await history();
        await s.compact(r5);
        const w = await watch({ ...all(), startRevision: r5 + 1 });
        expect(eventSummary(await w.waitForEvents(1))).toEqual([`PUT ${k('c')}@${r6}`]);
      });
    });

    // ─────────────────────────────── leases ───────────────────────────────

    describe('leases', () => {
      const randomLeaseId = (): string => String(1_000_000_000 + Math.floor(Math.random() * 8_000_000_000));

      it('grants with a TTL and reports the time to live and attached keys', async () => {
        const g = await s.leaseGrant(60);
        expect(g.ttl).toBe(60);
        expect(g.id).toMatch(/^[1-9][0-9]*$/);
        const r0 = await rev();
        expect(g.header.revision).toBeLessThanOrEqual(r0);
        await s.put({ key: k('b'), value: '1', lease: g.id });
        await s.put({ key: k('a'), value: '1', lease: g.id });
        expect(await get(k('a'))).toMatchObject({ lease: g.id });

        const ttl = await s.leaseTimeToLive(g.id, { keys: true });
        expect(ttl.id).toBe(g.id);
        expect(ttl.grantedTtl).toBe(60);
        expect(ttl.ttl).toBeGreaterThanOrEqual(55);
        expect(ttl.ttl).toBeLessThanOrEqual(60);
        expect([...ttl.keys].sort()).toEqual([k('a'), k('b')]);
        expect((await s.leaseTimeToLive(g.id)).keys).toEqual([]);
        expect(await s.leaseLeases()).toContain(g.id);
        // A lease compare sees the attachment.
        expect((await s.txn({ compare: [{ key: k('a'), target: 'lease', result: '=', value: g.id }] })).succeeded).toBe(
          true,
        );
      });

      it('grants with a chosen id, and refuses that id twice with ErrLeaseExists', async () => {
        const id = randomLeaseId();
        const g = await s.leaseGrant(30, id);
        expect(g.id).toBe(id);
        expect(g.ttl).toBe(30);
        expect((await s.leaseTimeToLive(id)).grantedTtl).toBe(30);
        await expectStorageError(s.leaseGrant(30, id), ErrLeaseExists, 'LeaseExists');
      });

      it('renews a lease to its granted TTL on keepAlive', async () => {
        const g = await s.leaseGrant(10);
        await waitFor(async () => (await s.leaseTimeToLive(g.id)).ttl <= 8, {
          timeoutMs: 8_000,
          intervalMs: 100,
          message: 'lease TTL to run down',
        });
        const ka = await s.leaseKeepAlive(g.id);
        expect(ka.id).toBe(g.id);
        expect(ka.ttl).toBe(10);
        const after = await s.leaseTimeToLive(g.id);
        expect(after.ttl).toBeGreaterThanOrEqual(9);
        expect(after.grantedTtl).toBe(10);
      });

      it('revokes a lease, deleting its keys in one revision', async () => {
        const g = await s.leaseGrant(60);
        const other = await s.leaseGrant(60);
        for (const n of ['a', 'b', 'c']) await s.put({ key: k(n), value: n, lease: g.id });
        await s.put({ key: k('kept'), value: 'x', lease: other.id });
        await s.put({ key: k('plain'), value: 'x' });
        const w = await watch(all());
        const r0 = await rev();
        await s.leaseRevoke(g.id);
        expect(await rev()).toBe(r0 + 1);
        const evs = await w.waitForEvents(3);
        expect(eventSummary(evs).sort()).toEqual(['a', 'b', 'c'].map((n) => `DELETE ${k(n)}@${r0 + 1}`).sort());
        expect(keysOf((await s.range(all())).kvs)).toEqual([k('kept'), k('plain')]);
        expect((await s.leaseTimeToLive(g.id)).ttl).toBe(-1);
        expect(await s.leaseLeases()).not.toContain(g.id);
        expect(await s.leaseLeases()).toContain(other.id);
        await expectStorageError(s.leaseRevoke(g.id), ErrLeaseNotFound, 'LeaseNotFound');
        await expectStorageError(s.leaseKeepAlive(g.id), ErrLeaseNotFound, 'LeaseNotFound');
        // The keys existed up to the revocation.
        expect(keysOf((await s.range({ ...all(), revision: r0 })).kvs)).toEqual(
          ['a', 'b', 'c', 'kept', 'plain'].map(k),
        );
      });

      it('expires a lease after its TTL, deleting its keys in one revision', async () => {
        const w = await watch(all());
        const granted = Date.now();
        const g = await s.leaseGrant(1);
        // etcd raises TTLs below its minimum (about 2 s by default).
        expect(g.ttl).toBeGreaterThanOrEqual(1);
        expect(g.ttl).toBeLessThanOrEqual(3);
        await s.put({ key: k('a'), value: '1', lease: g.id });
        await s.put({ key: k('b'), value: '1', lease: g.id });
        await s.put({ key: k('plain'), value: '1' });
        await waitFor(async () => (await s.range({ ...all(), countOnly: true })).count === 1, {
          timeoutMs: 15_000,
          intervalMs: 50,
          message: 'leased keys to expire',
        });
        const elapsed = Date.now() - granted;
        expect(elapsed).toBeGreaterThanOrEqual(g.ttl * 1000 - 250);
        const evs = await w.waitForEvents(5);
        const deletes = evs.filter((e) => e.type === 'DELETE');
        expect(deletes.map((e) => e.kv.key).sort()).toEqual([k('a'), k('b')]);
        expect(deletes[0].kv.modRevision).toBe(deletes[1].kv.modRevision);
        expect(await rev()).toBe(deletes[0].kv.modRevision);
        expect((await s.leaseTimeToLive(g.id)).ttl).toBe(-1);
        expect(await s.leaseLeases()).not.toContain(g.id);
        await expectStorageError(s.leaseKeepAlive(g.id), ErrLeaseNotFound, 'LeaseNotFound');
      });

      it('rejects operations on a missing lease with ErrLeaseNotFound', async () => {
        const missing = randomLeaseId();
        await s.put({ key: k('a'), value: '1' });
        const r0 = await rev();
        await expectStorageError(s.leaseKeepAlive(missing), ErrLeaseNotFound, 'LeaseNotFound');
        await expectStorageError(s.leaseRevoke(missing), ErrLeaseNotFound, 'LeaseNotFound');
        await expectStorageError(s.put({ key: k('b'), value: '1', lease: missing }), ErrLeaseNotFound, 'LeaseNotFound');
        await expectStorageError(
          s.txn({
            success: [{ put: { key: k('c'), value: '1' } }, { put: { key: k('d'), value: '1', lease: missing } }],
          }),
          ErrLeaseNotFound,
          'LeaseNotFound',
        );
        const ttl = await s.leaseTimeToLive(missing, { keys: true });
        expect(ttl).toEqual({ header: { revision: r0 }, id: missing, ttl: -1, grantedTtl: 0, keys: [] });
        expect(await rev()).toBe(r0);
        // Nothing of the failed writes landed, not even the txn's first put.
        expect(keysOf((await s.range(all())).kvs)).toEqual([k('a')]);
      });

      it('lists granted leases', async () => {
        const ids = [
          (await s.leaseGrant(60)).id,
          (await s.leaseGrant(60)).id,
          (await s.leaseGrant(60, randomLeaseId())).id,
        ];
        expect(new Set(ids).size).toBe(3);
        const listed = await s.leaseLeases();
        for (const id of ids) expect(listed).toContain(id);
        await s.leaseRevoke(ids[1]);
        const after = await s.leaseLeases();
        expect(after).toContain(ids[0]);
        expect(after).not.toContain(ids[1]);
        expect(after).toContain(ids[2]);
      });
    });

    // ─────────────────────────────── status / close ───────────────────────────────

    describe('status and close', () => {
      it('reports the current revision and a version', async () => {
        const r = (await s.put({ key: k('a'), value: '1' })).header.revision;
        const st = await s.status();
        expect(st.header.revision).toBe(r);
        expect(st.version).toMatch(new RegExp(backend.name));
        expect(st.compactRevision).toBeLessThan(r);
      });

      it('rejects calls after close with ErrClosed', async () => {
        await s.put({ key: k('a'), value: '1' });
        storeClosedByTest = true;
        await s.close();
        await expectStorageError(s.range({ key: k('a') }), ErrClosed, 'Closed');
        await expectStorageError(s.put({ key: k('a'), value: '2' }), ErrClosed, 'Closed');
      });
    });
  });
}
