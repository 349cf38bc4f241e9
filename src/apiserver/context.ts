// What every request handler shares: the resource table, one REST storage
// per resource, the store, the clock and the namespace guard.

import type { Store } from '../storage/index.js';
import type { Clock } from '../util/clock.js';
import type { Codec } from './registry/codec.js';
import type { RestStorage } from './registry/rest.js';
import type { ResourceInfo, ResourceTable } from './registry/resources.js';
import type { WatchCache } from './watch-cache.js';

export interface ServerContext {
  table: ResourceTable;
  store: Store;
  codec: Codec;
  clock: Clock;
  storage(r: ResourceInfo): RestStorage;
  storageFor(kind: string): RestStorage;
  /** Throws 404 for a missing namespace and 403 for a terminating one. */
  checkNamespace(ns: string): Promise<void>;
  /** Start finalizing a namespace that was just marked for deletion. */
  namespaceDeleted(name: string): void;
  /** The resource's shared watch cache, once started. */
  watchCache(r: ResourceInfo): WatchCache | undefined;
  /** Interval between watch bookmarks (ms). */
  bookmarkIntervalMs: number;
  log(message: string, err?: unknown): void;
}
