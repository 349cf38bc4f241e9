// The store backends the conformance suite (store.case.test.ts) runs against.
//
// embedded: a fresh store in a fresh temp dir for every test, removed after.
// etcd:     one real etcd per test file (test/support/etcd.ts), a fresh client
//           per test, and a key prefix unique to the test; leases and keys are
//           cleaned up after each test so revisions stay predictable.
//
// When etcd is not installed the etcd backend is skipped with a printed
// reason, except under CI=true where it is a hard failure: the etcd half of
// the suite must run in CI.

import type { Store } from '../../src/storage/types.js';
import { prefixEnd } from '../../src/storage/keys.js';
import { describeError, makeTempDir, removeDir } from './support.js';

export interface TestStore {
  store: Store;
  /** Every key a test writes starts with this; unique per test. */
  prefix: string;
  /** Release the store (and its temp dir or keys). */
  close(): Promise<void>;
}

export interface StoreBackend {
  name: 'embedded' | 'etcd';
  /** Set when the backend cannot run here and that is acceptable (never under CI). */
  skipReason?: string;
  /** Set when the backend should run but could not be loaded: every test fails with it. */
  loadError?: Error;
  /** Once per test file. */
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A store and key prefix for one test. */
  open(): Promise<TestStore>;
}

const inCI = process.env.CI === 'true';

/** Both backends send idle watches that ask for it a progress notification this often. */
export const PROGRESS_NOTIFY_INTERVAL_MS = 200;

async function embeddedBackend(): Promise<StoreBackend> {
  let mod: typeof import('../../src/storage/embedded/index.js') | undefined;
  let loadError: Error | undefined;
  try {
    mod = await import('../../src/storage/embedded/index.js');
  } catch (err) {
    loadError = new Error(`cannot load src/storage/embedded/index.ts: ${describeError(err)}`);
  }
  let n = 0;
  return {
    name: 'embedded',
    loadError,
    async setup() {},
    async teardown() {},
    async open() {
      if (!mod) throw loadError;
      const dir = await makeTempDir('store-case');
      let store: Store;
      try {
        store = await mod.openEmbeddedStore({
          dir,
          // Lease expiry and progress are observed with real time in the
          // shared suite; check often so the tests stay fast.
          leaseCheckIntervalMs: 50,
          // Periodic progress notifications (WatchRequest.progressNotify) are
          // observed too; etcd is started with the same interval.
          progressNotifyIntervalMs: PROGRESS_NOTIFY_INTERVAL_MS,
          // Semantics, not durability, are under test here.
          fsync: false,
        });
      } catch (err) {
        await removeDir(dir);
        throw err;
      }
      return {
        store,
        prefix: `/t${String(++n).padStart(4, '0')}/`,
        async close() {
          try {
            await store.close();
          } finally {
            await removeDir(dir);
          }
        },
      };
    },
  };
}

async function etcdBackend(): Promise<StoreBackend> {
  let harness: typeof import('../support/etcd.js') | undefined;
  let backend: typeof import('../../src/storage/etcd/index.js') | undefined;
  let harnessError: Error | undefined;
  let backendError: Error | undefined;
  try {
    harness = await import('../support/etcd.js');
  } catch (err) {
    harnessError = new Error(`cannot load test/support/etcd.ts: ${describeError(err)}`);
  }
  try {
    backend = await import('../../src/storage/etcd/index.js');
  } catch (err) {
    backendError = new Error(`cannot load src/storage/etcd/index.ts: ${describeError(err)}`);
  }

  let skipReason: string | undefined;
  let loadError: Error | undefined;
  if (harnessError) {
    loadError = harnessError;
  } else if (!harness!.etcdAvailable()) {
    const why = (harness as { etcdSkipReason?: () => string | undefined }).etcdSkipReason?.();
    const reason = `etcd is not available${why ? `: ${why}` : ' (etcdAvailable() returned undefined)'}`;
    if (inCI) loadError = new Error(`${reason}, but CI=true: the etcd conformance suite must run in CI`);
    else skipReason = reason;
  } else if (backendError) {
    loadError = backendError;
  }
  if (skipReason) {
    console.warn(`[store.case] skipping the etcd backend: ${skipReason}`);
  }

  let etcd: { endpoint: string; stop(): Promise<void>; pid: number } | undefined;
  // Prefixes grow with test order, so a "from key to the end of the keyspace"
  // range in one test never meets another test's keys.
  const runId = Date.now().toString(36);
  let n = 0;
  return {
    name: 'etcd',
    skipReason,
    loadError,
    async setup() {
      if (skipReason || loadError) return;
      etcd = await harness!.startEtcd({ progressNotifyIntervalMs: PROGRESS_NOTIFY_INTERVAL_MS });
    },
    async teardown() {
      await etcd?.stop();
      etcd = undefined;
    },
    async open() {
      if (loadError) throw loadError;
      if (!etcd) throw new Error('etcd was not started');
      const store = backend!.createEtcdStore({ endpoints: [etcd.endpoint] });
      const prefix = `/gp-test/${runId}/${String(++n).padStart(4, '0')}/`;
      return {
        store,
        prefix,
        async close() {
          // etcd is shared by the file: revoke every lease (a lease expiring
          // during a later test would bump that test's revisions) and drop
          // the test's keys — through a client of its own, since the test
          // may have closed its store.
          await store.close();
          const admin = backend!.createEtcdStore({ endpoints: [etcd!.endpoint] });
          try {
            for (const id of await admin.leaseLeases()) {
              await admin.leaseRevoke(id).catch(() => undefined);
            }
            await admin.deleteRange({ key: prefix, rangeEnd: prefixEnd(prefix) });
          } catch (err) {
            console.warn(`[store.case] etcd cleanup after a test failed: ${describeError(err)}`);
          } finally {
            await admin.close();
          }
        },
      };
    },
  };
}

export async function loadBackends(): Promise<StoreBackend[]> {
  return [await embeddedBackend(), await etcdBackend()];
}
