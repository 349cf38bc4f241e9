// The garbage collector, after kube's pkg/controller/garbagecollector: a
// dependency graph built from the ownerReferences of every object of every
// kind (one informer per kind in knownKinds(), Events excepted as in kube),
// and two queues of object uids:
//
// - attemptToDelete: an object whose owners may be gone. Its live state and
//   each owner not known to be alive are read from the API server; if no
//   owner is alive ("solid") it is deleted, if some are, the dangling
//   references are removed. An owner being deleted in the foreground counts
//   as waiting: its dependents are deleted (in the foreground themselves when
//   they have dependents), and once no dependent with blockOwnerDeletion is
//   left the owner's foregroundDeletion finalizer is removed, which lets the
//   API server delete it.
// - attemptToOrphan: an owner deleted with the orphan finalizer: its
//   reference is removed from every dependent, then the finalizer.
//
// Owner references are namespace-less: a namespaced owner is looked up in the
// dependent's namespace, so a reference to an object in another namespace
// is dangling (kube's rule since 1.20); a cluster-scoped object naming a
// namespaced owner is invalid and left alone, with a warning event.

import { kindInfo, knownKinds, type KindInfo } from '../../api/schemas.js';
import type { OwnerReference } from '../../api/generated/index.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, type ObjectLike, type SharedIndexInformer } from '../../client/index.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { QueueController } from '../runtime/queue-controller.js';
import { DependencyGraph, FOREGROUND_FINALIZER, nodeFor, ORPHAN_FINALIZER, type GraphNode, type GraphObject, type ObjectIdentity } from './graph.js';

export interface GarbageCollectorOptions {
  /** Parallel attemptToDelete workers (kube: 20). */
  workers?: number;
  /** Parallel attemptToOrphan workers. */
  orphanWorkers?: number;
  /** Kinds not to track, as "apiVersion/Kind" (default: core Events, as kube). */
  ignoredKinds?: string[];
  /** How often an owner waiting for its blocking dependents is looked at again besides events (default 30 s). */
  foregroundRecheckMs?: number;
}

type Live = ObjectLike & GraphObject;

const ABSENT_CACHE_SIZE = 1024;

/** The kind an owner reference names: exactly, else the same group and kind in another version. */
export function resolveKind(apiVersion: string, kind: string): KindInfo | undefined {
  const exact = kindInfo(apiVersion, kind);
  if (exact) return exact;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return knownKinds().find((k) => k.group === group && k.kind === kind);
}

function hasFinalizer(obj: Live, name: string): boolean {
  return obj.metadata?.finalizers?.includes(name) ?? false;
}

export interface Classification {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waiting: OwnerReference[];
  /** A cluster-scoped object names a namespaced owner: nothing can be decided. */
  invalid?: OwnerReference;
}

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  readonly graph = new DependencyGraph();
  private readonly attemptToDelete: QueueController;
  private readonly attemptToOrphan: QueueController;
  private readonly informers: Array<SharedIndexInformer<Live>> = [];
  /** Owners known to be gone, by "namespace/uid" ("" namespace for cluster-scoped owners). */
  private readonly absentOwners = new Map<string, true>();
  private synced = false;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: GarbageCollectorOptions = {},
  ) {
    const ignored = new Set(opts.ignoredKinds ?? ['v1/Event']);
    for (const k of knownKinds()) {
      if (ignored.has(`${k.apiVersion}/${k.kind}`)) continue;
      this.informers.push(ctx.informers.informerFor<Live>(k.apiVersion, k.kind));
    }
    this.attemptToDelete = new QueueController({
      name: 'garbage-collector-attempt-to-delete',
      ctx,
      workers: opts.workers ?? 4,
      reconcile: (uid) => (this.synced ? this.attemptToDeleteItem(uid) : { requeueAfterMs: 50 }),
      setup: () => this.registerHandlers(),
    });
    this.attemptToOrphan = new QueueController({
      name: 'garbage-collector-attempt-to-orphan',
      ctx,
      workers: opts.orphanWorkers ?? 2,
      reconcile: (uid) => (this.synced ? this.attemptToOrphanItem(uid) : { requeueAfterMs: 50 }),
      setup: () => undefined,
    });
  }

  start(): void {
    this.attemptToDelete.start();
    this.attemptToOrphan.start();
    void Promise.all(this.informers.map((i) => i.waitForSync())).then((ok) => {
      this.synced = ok.every(Boolean);
      if (this.synced) this.ctx.log.info(`${this.name}: graph built from ${this.informers.length} kinds, ${this.graph.size} objects`);
    });
  }

  async stop(): Promise<void> {
    await Promise.all([this.attemptToDelete.stop(), this.attemptToOrphan.stop()]);
  }

  // ---------------------------------------------------------------------------
  // The graph builder: events only update the graph and enqueue uids.

  private registerHandlers(): void {
    for (const informer of this.informers) {
      informer.addEventHandler({
        onAdd: (obj) => this.observe(obj),
        onUpdate: (oldObj, newObj) => {
          if (oldObj.metadata?.uid && oldObj.metadata.uid !== newObj.metadata?.uid) this.forget(oldObj);
          this.observe(newObj);
        },
        onDelete: (obj) => this.forget(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
      });
    }
  }

  private observe(obj: Live): void {
    const node = nodeFor(obj);
    if (!node) return;
    const uid = node.identity.uid;
    const change = this.graph.upsert(node);
    // An owner deleting its dependents may be waiting for exactly this reference to go.
    for (const ref of change.unblockedOwners) {
      if (this.graph.get(ref.uid)?.deletingDependents) this.attemptToDelete.enqueue(ref.uid);
    }
    // An owner we have not seen (or seen elsewhere) may not exist: find out.
    if (change.ownersChanged && node.owners.some((ref) => !this.ownerObserved(ref, node))) this.attemptToDelete.enqueue(uid);
    if (node.orphaning) this.attemptToOrphan.enqueue(uid);
    if (node.deletingDependents) {
      this.attemptToDelete.enqueue(uid);
      if (!change.previous?.deletingDependents) for (const dep of this.graph.dependentsOf(uid)) this.attemptToDelete.enqueue(dep.identity.uid);
    }
  }

  private forget(obj: Live): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const node = this.graph.remove(uid);
    // Its dependents may have lost their last owner.
    for (const dep of this.graph.dependentsOf(uid)) this.attemptToDelete.enqueue(dep.identity.uid);
    // Its owners may be waiting for it in a foreground deletion.
    for (const ref of node?.owners ?? []) {
      if (this.graph.get(ref.uid)?.deletingDependents) this.attemptToDelete.enqueue(ref.uid);
    }
  }

  /** The owner is in the graph where the reference can reach it (same namespace, or cluster-scoped). */
  private ownerObserved(ref: OwnerReference, dependent: GraphNode): GraphNode | undefined {
    const owner = this.graph.get(ref.uid);
    if (!owner) return undefined;
    if (owner.identity.kind !== ref.kind || owner.identity.name !== ref.name) return undefined;
    if (owner.identity.namespace !== undefined && owner.identity.namespace !== dependent.identity.namespace) return undefined;
    return owner;
  }

  // ---------------------------------------------------------------------------
  // attemptToDelete.

  private client(identity: Pick<ObjectIdentity, 'apiVersion' | 'kind' | 'namespace'>) {
    const resource = this.ctx.client.resource<Live>(identity.apiVersion, identity.kind);
    return identity.namespace ? resource.namespace(identity.namespace) : resource;
  }

  /** The object as the API server has it now, or undefined when it is gone (or is another object by that name). */
  private async getLive(identity: ObjectIdentity): Promise<Live | undefined> {
    try {
      const obj = await this.client(identity).get(identity.name);
      return obj.metadata?.uid === identity.uid ? obj : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async attemptToDeleteItem(uid: string): Promise<{ requeueAfterMs: number } | void> {
    const node = this.graph.get(uid);
    if (!node) return; // already gone; its deletion event did the rest
    const latest = await this.getLive(node.identity);
    if (!latest) return; // gone: the informer's delete event will follow
    const meta = latest.metadata!;
    if (meta.deletionTimestamp) {
      // Being deleted is a one-way trip; only a foreground deletion needs us.
      if (hasFinalizer(latest, FOREGROUND_FINALIZER)) return this.processDeletingDependents(node, latest);
      return;
    }
    const refs = (meta.ownerReferences ?? []).filter((r) => !!r.uid);
    if (refs.length === 0) return;

    const { solid, dangling, waiting, invalid } = await this.classifyReferences(node, refs);
    if (invalid) {
      this.ctx.recorder.event(
        latest,
        'Warning',
        'OwnerRefInvalidNamespace',
        `ownerRef [${invalid.apiVersion}/${invalid.kind}, namespace: , name: ${invalid.name}, uid: ${invalid.uid}] is namespaced, but ${node.identity.kind} ${node.identity.name} is cluster-scoped`,
      );
      return;
    }
    for (const ref of dangling) this.reportInvalidNamespace(node, latest, ref);

    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Keep the object; let go of owners that are gone or deleting their dependents
      // (else they would wait for this object forever).
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.patchOwnerReferences(node.identity, latest, (r) => !drop.has(r.uid));
      return;
    }
    if (waiting.length > 0 && this.graph.dependentsOf(uid).length > 0) {
      // An owner waits for us and we have dependents of our own: delete them first.
      if (this.graph.dependentsOf(uid).some((d) => d.deletingDependents)) {
        // A dependent of ours waits for its dependents too: a possible cycle. Stop blocking
        // our owners, as kube does, so nobody waits on anybody forever.
        await this.patchOwnerReferences(node.identity, latest, () => true, (r) => ({ ...r, blockOwnerDeletion: false }));
      }
      await this.deleteObject(node.identity, latest, 'Foreground');
      return;
    }
    // No owner is alive: collect it, honouring a propagation policy already chosen for it.
    const policy = hasFinalizer(latest, ORPHAN_FINALIZER) ? 'Orphan' : hasFinalizer(latest, FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    await this.deleteObject(node.identity, latest, policy);
  }

  /**
   * Sort an object's owner references: solid (alive and not deleting dependents), dangling
   * (gone, confirmed by a live GET), waiting (deleting its dependents in the foreground).
   */
  async classifyReferences(node: GraphNode, refs: OwnerReference[]): Promise<Classification> {
    const out: Classification = { solid: [], dangling: [], waiting: [] };
    for (const ref of refs) {
      const info = resolveKind(ref.apiVersion, ref.kind);
      if (!info) {
        // A kind this server does not serve: we cannot tell, so never collect because of it.
        this.ctx.log.info(`${this.name}: ${node.identity.kind} ${node.identity.name} names an owner of unknown kind ${ref.apiVersion}/${ref.kind}`);
        out.solid.push(ref);
        continue;
      }
      if (info.namespaced && !node.identity.namespace) {
        out.invalid = ref;
        return out;
      }
      // Known alive and not deleting its dependents: solid without asking the server.
      const seen = this.ownerObserved(ref, node);
      if (seen && !seen.deletingDependents) {
        out.solid.push(ref);
        continue;
      }
      const namespace = info.namespaced ? node.identity.namespace : undefined;
      const absentKey = `${namespace ?? ''}/${ref.uid}`;
      if (this.absentOwners.has(absentKey)) {
        out.dangling.push(ref);
        continue;
      }
      const owner = await this.getLive({ apiVersion: info.apiVersion, kind: info.kind, name: ref.name, uid: ref.uid, ...(namespace ? { namespace } : {}) });
      if (!owner) {
        this.rememberAbsent(absentKey);
        out.dangling.push(ref);
      } else if (owner.metadata?.deletionTimestamp && hasFinalizer(owner, FOREGROUND_FINALIZER)) {
        out.waiting.push(ref);
      } else {
        out.solid.push(ref);
      }
    }
    return out;
  }

  private rememberAbsent(key: string): void {
    if (this.absentOwners.size >= ABSENT_CACHE_SIZE) this.absentOwners.delete(this.absentOwners.keys().next().value as string);
    this.absentOwners.set(key, true);
  }

  /** A dangling reference whose uid we know lives in another namespace: say so, as kube does. */
  private reportInvalidNamespace(node: GraphNode, latest: Live, ref: OwnerReference): void {
    const owner = this.graph.get(ref.uid);
    if (!owner?.identity.namespace || owner.identity.namespace === node.identity.namespace) return;
    this.ctx.recorder.event(
      latest,
      'Warning',
      'OwnerRefInvalidNamespace',
      `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: ${node.identity.namespace ?? ''}, name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace "${node.identity.namespace ?? ''}"`,
    );
  }

  /** An owner being deleted in the foreground: remove its finalizer once nothing blocks it. */
  private async processDeletingDependents(node: GraphNode, latest: Live): Promise<{ requeueAfterMs: number } | void> {
    const uid = node.identity.uid;
    const blocking = this.graph.blockingDependents(uid);
    if (blocking.length === 0) {
      await this.removeFinalizer(node.identity, latest, FOREGROUND_FINALIZER);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.attemptToDelete.enqueue(dep.identity.uid);
    // Their deletions bring us back; look again now and then in case one was missed.
    return { requeueAfterMs: this.opts.foregroundRecheckMs ?? 30_000 };
  }

  private async deleteObject(identity: ObjectIdentity, latest: Live, policy: 'Background' | 'Foreground' | 'Orphan'): Promise<void> {
    try {
      // Preconditions: delete exactly the version whose owners we just judged.
      await this.client(identity).delete(identity.name, {
        propagationPolicy: policy,
        preconditions: { uid: identity.uid, resourceVersion: latest.metadata?.resourceVersion },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err; // a conflict retries with fresh state
    }
  }

  /** Merge-patch an object's owner references, guarded by its resourceVersion. */
  private async patchOwnerReferences(
    identity: ObjectIdentity,
    latest: Live,
    keep: (ref: OwnerReference) => boolean,
    map: (ref: OwnerReference) => OwnerReference = (r) => r,
  ): Promise<void> {
    const refs = (latest.metadata?.ownerReferences ?? []).filter(keep).map(map);
    try {
      await this.client(identity).patch(identity.name, {
        metadata: { uid: identity.uid, resourceVersion: latest.metadata?.resourceVersion, ownerReferences: refs.length > 0 ? refs : null },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Remove a finalizer, re-reading the object when someone else wrote it meanwhile. */
  private async removeFinalizer(identity: ObjectIdentity, latest: Live, finalizer: string): Promise<void> {
    let current: Live | undefined = latest;
    for (let attempt = 0; current; attempt++) {
      const finalizers = current.metadata?.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      const rest = finalizers.filter((f) => f !== finalizer);
      try {
        await this.client(identity).patch(identity.name, {
          metadata: { uid: identity.uid, resourceVersion: current.metadata?.resourceVersion, finalizers: rest.length > 0 ? rest : null },
        });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 4) throw err;
      }
      current = await this.getLive(identity);
    }
  }

  // ---------------------------------------------------------------------------
  // attemptToOrphan.

  private async attemptToOrphanItem(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    const latest = await this.getLive(node.identity);
    if (!latest?.metadata?.deletionTimestamp || !hasFinalizer(latest, ORPHAN_FINALIZER)) return;
    const failures: string[] = [];
    await Promise.all(
      this.graph.dependentsOf(uid).map(async (dep) => {
        try {
          await this.removeOwnerReference(dep.identity, uid);
        } catch (err) {
          failures.push(`${dep.identity.kind} ${dep.identity.name}: ${(err as Error).message}`);
        }
      }),
    );
    if (failures.length > 0) throw new Error(`orphaning the dependents of ${node.identity.kind} ${node.identity.name} failed: ${failures.join('; ')}`);
    await this.removeFinalizer(node.identity, latest, ORPHAN_FINALIZER);
  }

  private async removeOwnerReference(identity: ObjectIdentity, ownerUid: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const dep = await this.getLive(identity);
      if (!dep || !(dep.metadata?.ownerReferences ?? []).some((r) => r.uid === ownerUid)) return;
      try {
        await this.patchOwnerReferences(identity, dep, (r) => r.uid !== ownerUid);
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }
}

export function newGarbageCollectorController(ctx: ControllerContext, opts: GarbageCollectorOptions = {}): GarbageCollector {
  return new GarbageCollector(ctx, opts);
}
