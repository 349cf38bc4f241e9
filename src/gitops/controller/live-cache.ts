// The live side of every comparison: one shared informer per kind the
// Applications touch, started on first need, so a diff reads memory instead of
// the API server, and any change to an object carrying a tracking-id wakes the
// app that owns it (that is what makes self-heal take milliseconds).

import { kindInfo } from '../../api/schemas.js';
import { InformerFactory, type Client, type SharedIndexInformer } from '../../client/index.js';
import { ANNOTATIONS, type KubeObject, type ResourceId } from '../types.js';

export type AppKeyListener = (appKey: string, obj: KubeObject) => void;

/** "ns/name" of the app named by a tracking id ("<ns>_<name>:<group>/<kind>:<ns>/<name>"). */
export function appKeyOfTrackingId(trackingId: string | undefined): string | undefined {
  if (!trackingId) return undefined;
  const colon = trackingId.indexOf(':');
  const head = colon < 0 ? trackingId : trackingId.slice(0, colon);
  const us = head.indexOf('_');
  if (us <= 0) return undefined;
  return `${head.slice(0, us)}/${head.slice(us + 1)}`;
}

export function trackingIdOf(obj: KubeObject | undefined): string | undefined {
  return obj?.metadata?.annotations?.[ANNOTATIONS.trackingId];
}

const BY_APP = 'byApp';

export class LiveCache {
  private readonly factory: InformerFactory;
  private readonly informers = new Map<string, SharedIndexInformer<KubeObject>>();
  private readonly versionOf = new Map<string, string>();
  private readonly listeners = new Set<AppKeyListener>();

  constructor(client: Client, onError?: (err: unknown) => void) {
    this.factory = new InformerFactory(client, { ...(onError ? { onError } : {}) });
  }

  /** Call `listener` with the owning app's key whenever a tracked object changes or goes away. */
  onTrackedChange(listener: AppKeyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Make sure the kinds are watched and their caches synced. Kinds the server does not serve
   * are skipped (the renderer reports them). Returns false when stopped before syncing.
   */
  async ensure(kinds: Iterable<{ apiVersion: string; kind: string }>, signal?: AbortSignal): Promise<boolean> {
    const fresh: SharedIndexInformer<KubeObject>[] = [];
    for (const { apiVersion, kind } of kinds) {
      const group = groupOf(apiVersion);
      const gk = `${group}/${kind}`;
      if (this.informers.has(gk) || !kindInfo(apiVersion, kind)) continue;
      const informer = this.factory.informerFor<KubeObject>(apiVersion, kind, {
        indexers: { [BY_APP]: (obj: KubeObject) => {
          const key = appKeyOfTrackingId(trackingIdOf(obj));
          return key ? [key] : [];
        } },
      });
      informer.addEventHandler({
        onAdd: (obj) => this.notify(obj),
        onUpdate: (_old, obj) => this.notify(obj),
        onDelete: (obj) => this.notify(obj as KubeObject),
      });
      this.informers.set(gk, informer);
      this.versionOf.set(gk, apiVersion);
      fresh.push(informer);
    }
    if (fresh.length === 0) return true;
    this.factory.start();
    const results = await Promise.all(fresh.map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** The live object, or undefined when absent (or its kind is not watched yet). */
  get(id: ResourceId): KubeObject | undefined {
    const informer = this.informers.get(`${id.group}/${id.kind}`);
    if (!informer) return undefined;
    return informer.lister().get(id.namespace ? `${id.namespace}/${id.name}` : id.name) as KubeObject | undefined;
  }

  /** Every watched object whose tracking id names this app. */
  trackedBy(appKey: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const informer of this.informers.values()) out.push(...(informer.indexer.byIndex(BY_APP, appKey) as KubeObject[]));
    return out;
  }

  /** The apiVersion the cache watches a group/kind in. */
  apiVersionOf(group: string, kind: string): string | undefined {
    return this.versionOf.get(`${group}/${kind}`);
  }

  stop(): Promise<void> {
    return this.factory.stop();
  }

  private notify(obj: KubeObject | undefined): void {
    const key = appKeyOfTrackingId(trackingIdOf(obj));
    if (!key || !obj) return;
    for (const l of this.listeners) l(key, obj);
  }
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
