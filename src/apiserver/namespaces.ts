// Namespace lifecycle in the API server: the well-known namespaces exist;
// nothing is created in a namespace that is missing or terminating; and a
// deleted namespace is emptied — every namespaced object in it deleted —
// before its "kubernetes" finalizer is dropped and it disappears, as the
// namespace admission plugin and namespace controller do in Kubernetes.

import { forbidden, notFound } from '../api/status.js';
import type { ServerContext } from './context.js';
import type { Obj } from './registry/codec.js';
import { timestamp } from './registry/rest.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'gitplane-system'];

export class NamespaceLifecycle {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly retryMs = 1000,
  ) {}

  async ensureSystemNamespaces(): Promise<void> {
    const storage = this.ctx.storageFor('Namespace');
    for (const name of SYSTEM_NAMESPACES) {
      if (await storage.tryGet(undefined, name)) continue;
      try {
        await storage.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      } catch (err) {
        if ((err as { reason?: string }).reason !== 'AlreadyExists') throw err;
      }
    }
    // Resume namespaces that were terminating when the server stopped.
    const all = await storage.list(undefined, {});
    for (const ns of all.items) if (ns.metadata.deletionTimestamp) this.enqueue(ns.metadata.name);
  }

  async check(ns: string): Promise<void> {
    const obj = await this.ctx.storageFor('Namespace').tryGet(undefined, ns);
    if (!obj) throw notFound({ group: '', resource: 'namespaces' }, ns);
    if (obj.metadata.deletionTimestamp || obj.status?.phase === 'Terminating') {
      throw forbidden({ group: '', resource: 'namespaces' }, ns, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  enqueue(name: string): void {
    this.pending.add(name);
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, ms);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const name of [...this.pending]) {
        try {
          if (await this.finalize(name)) this.pending.delete(name);
        } catch (err) {
          this.ctx.log(`namespace ${name}: finalizing failed, will retry`, err);
        }
      }
    } finally {
      this.running = false;
      if (this.pending.size > 0) this.schedule(this.retryMs);
    }
  }

  /** One pass; true when the namespace is gone. */
  private async finalize(name: string): Promise<boolean> {
    const nsStorage = this.ctx.storageFor('Namespace');
    const ns = await nsStorage.tryGet(undefined, name);
    if (!ns) return true;
    if (!ns.metadata.deletionTimestamp) return true;
    let remaining = 0;
    for (const r of this.ctx.table.all) {
      if (!r.namespaced) continue;
      const storage = this.ctx.storage(r);
      const { items } = await storage.list(name, {});
      for (const obj of items) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue; // already on its way out
        try {
          await storage.delete(name, obj.metadata.name, { propagationPolicy: 'Background' });
        } catch (err) {
          if ((err as { reason?: string }).reason !== 'NotFound') throw err;
        }
      }
    }
    if (remaining > 0) {
      // Deleted objects with finalizers or graceful deletion may linger: look again.
      const left = await this.countLeft(name);
      if (left > 0) {
        await this.setCondition(name, left);
        return false;
      }
    }
    const finalized = await nsStorage.guaranteedUpdate(
      undefined,
      name,
      (obj: Obj) => {
        obj.spec = { ...(obj.spec ?? {}), finalizers: (obj.spec?.finalizers ?? []).filter((f: string) => f !== 'kubernetes') };
        return obj;
      },
      { subresource: 'internal' },
    );
    const gone = !(await nsStorage.tryGet(undefined, name));
    if (!gone && (finalized.spec?.finalizers ?? []).length === 0 && !(finalized.metadata.finalizers?.length > 0)) {
      await nsStorage.delete(undefined, name, { gracePeriodSeconds: 0 });
    }
    return !(await nsStorage.tryGet(undefined, name));
  }

  private async countLeft(name: string): Promise<number> {
    let n = 0;
    for (const r of this.ctx.table.all) {
      if (r.namespaced) n += (await this.ctx.storage(r).list(name, {})).items.length;
    }
    return n;
  }

  private async setCondition(name: string, left: number): Promise<void> {
    await this.ctx.storageFor('Namespace').guaranteedUpdate(
      undefined,
      name,
      (obj: Obj) => {
        const message = `Some resources are remaining: ${left} object(s) still being deleted`;
        const conditions = (obj.status?.conditions ?? []).filter((c: Obj) => c.type !== 'NamespaceContentRemaining');
        conditions.push({ type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message, lastTransitionTime: timestamp(this.ctx.clock.now()) });
        obj.status = { ...(obj.status ?? {}), phase: 'Terminating', conditions };
        return obj;
      },
      { subresource: 'internal' },
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
