// The storage layer's public face: the Store interface, its errors, range
// helpers, compaction, and `openStore` choosing a backend from configuration.

import { openEmbeddedStore } from './embedded/index.js';
import type { Store } from './types.js';

export * from './types.js';
export * from './errors.js';
export { prefixEnd, inRange, RANGE_TO_END } from './keys.js';
export { startCompactor, type CompactionPolicy, type Compactor } from './compactor.js';
export {
  openEmbeddedStore,
  EmbeddedStore,
  backupEmbeddedStore,
  restoreEmbeddedStore,
  type EmbeddedStoreOptions,
  type RecoveryReport,
  type SnapshotSummary,
} from './embedded/index.js';

export type StoreConfig =
  | { backend: 'embedded'; dir: string; fsync?: boolean }
  | { backend: 'etcd'; endpoints: string[] };

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.backend === 'embedded') return openEmbeddedStore({ dir: config.dir, fsync: config.fsync });
  // Loaded on demand: the gRPC client is only needed by etcd users.
  const { createEtcdStore } = await import('./etcd/index.js');
  return createEtcdStore({ endpoints: config.endpoints });
}
