// One informer per kind, shared by every controller in a process (client-go's
// SharedInformerFactory): controllers ask for informers while they are being
// built, then the factory is started once and waited on.

import type { Clock } from '../util/clock.js';
import type { BackoffOptions } from './backoff.js';
import type { Client } from './client.js';
import { createInformer, type InformerOptions, type SharedIndexInformer } from './informer.js';
import type { ObjectLike } from './resource-client.js';

export interface InformerFactoryOptions {
  /** Watch only this namespace (namespaced kinds); default all. */
  namespace?: string;
  /** Default resync period for every informer (0 = none). */
  resyncPeriodMs?: number;
  clock?: Clock;
  pageSize?: number;
  backoff?: BackoffOptions;
  onError?: (err: unknown) => void;
}

export class InformerFactory {
  private readonly informers = new Map<string, SharedIndexInformer<ObjectLike>>();
  private readonly started = new Set<string>();
  private stopping = false;

  constructor(
    private readonly client: Client,
    private readonly options: InformerFactoryOptions = {},
  ) {}

  /** The shared informer for a kind, created on first request (options apply then only). */
  informerFor<T extends ObjectLike>(apiVersion: string, kind: string, options: Pick<InformerOptions<T>, 'resyncPeriodMs' | 'indexers'> = {}): SharedIndexInformer<T> {
    const key = `${apiVersion}/${kind}`;
    const existing = this.informers.get(key);
    if (existing) {
      if (options.indexers) (existing as unknown as SharedIndexInformer<T>).addIndexers(options.indexers);
      return existing as unknown as SharedIndexInformer<T>;
    }
    let resource = this.client.resource<T>(apiVersion, kind);
    if (this.options.namespace) resource = resource.namespace(this.options.namespace);
    const informer = createInformer<T>(resource, {
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.pageSize !== undefined ? { pageSize: this.options.pageSize } : {}),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
      ...(this.options.onError ? { onError: this.options.onError } : {}),
      resyncPeriodMs: options.resyncPeriodMs ?? this.options.resyncPeriodMs ?? 0,
      ...(options.indexers ? { indexers: options.indexers } : {}),
    });
    this.informers.set(key, informer as unknown as SharedIndexInformer<ObjectLike>);
    return informer;
  }

  /** Start every informer not started yet (call again after asking for more). */
  start(): void {
    if (this.stopping) return;
    for (const [key, informer] of this.informers) {
      if (this.started.has(key)) continue;
      this.started.add(key);
      informer.start();
    }
  }

  /** Resolves true when every started informer has synced; false if stopped or aborted first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.started].map((key) => this.informers.get(key)!.waitForSync(signal)));
    return results.every(Boolean);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }
}
