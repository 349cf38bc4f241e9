// The embedded backend: an etcd-compatible store in this process, durable
// through a WAL and snapshots in a data directory.

import { EmbeddedStore, type EmbeddedStoreOptions } from './store.js';

export { EmbeddedStore, type EmbeddedStoreOptions, type RecoveryReport } from './store.js';
export { backupEmbeddedStore, restoreEmbeddedStore, type SnapshotSummary } from './backup.js';

export function openEmbeddedStore(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  return EmbeddedStore.open(opts);
}
