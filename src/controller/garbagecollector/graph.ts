// The garbage collector's dependency graph, after kube's graph.go and the
// bookkeeping half of graph_builder.go: one node per object seen by any
// informer, keyed by uid, with its owner references, and the reverse index
// owner uid → dependents. An owner need not be in the graph itself (kube's
// "virtual node"): its dependents are indexed under its uid all the same.
// The graph only records; the collector decides what to do about changes.

import type { OwnerReference } from '../../api/generated/index.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  /** Undefined for cluster-scoped objects. */
  namespace?: string;
  name: string;
  uid: string;
}

export interface GraphNode {
  identity: ObjectIdentity;
  owners: OwnerReference[];
  /** metadata.deletionTimestamp is set. */
  beingDeleted: boolean;
  /** Being deleted in the foreground: waiting for its blocking dependents to go. */
  deletingDependents: boolean;
  /** Being deleted with the orphan finalizer: its dependents must let go of it first. */
  orphaning: boolean;
}

/** What the graph needs of an object. */
export interface GraphObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
    finalizers?: string[];
  };
}

export interface GraphChange {
  node: GraphNode;
  /** The node before this change; undefined when it is new. */
  previous: GraphNode | undefined;
  /** References that went away or stopped blocking the owner's deletion. */
  unblockedOwners: OwnerReference[];
  /** Whether the set of owner references changed (always true for a new node with owners). */
  ownersChanged: boolean;
}

export function nodeFor(obj: GraphObject): GraphNode | undefined {
  const m = obj.metadata;
  if (!m?.uid || !m.name || !obj.kind || !obj.apiVersion) return undefined;
  const beingDeleted = !!m.deletionTimestamp;
  const finalizers = m.finalizers ?? [];
  return {
    identity: { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name, uid: m.uid, ...(m.namespace ? { namespace: m.namespace } : {}) },
    owners: (m.ownerReferences ?? []).filter((r) => !!r.uid),
    beingDeleted,
    deletingDependents: beingDeleted && finalizers.includes(FOREGROUND_FINALIZER),
    orphaning: beingDeleted && finalizers.includes(ORPHAN_FINALIZER),
  };
}

function blocks(ref: OwnerReference | undefined): boolean {
  return ref?.blockOwnerDeletion === true;
}

export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Add or update the node for an object. */
  upsert(node: GraphNode): GraphChange {
    const uid = node.identity.uid;
    const previous = this.nodes.get(uid);
    this.nodes.set(uid, node);
    const before = new Map((previous?.owners ?? []).map((r) => [r.uid, r]));
    const after = new Map(node.owners.map((r) => [r.uid, r]));
    const unblockedOwners: OwnerReference[] = [];
    let ownersChanged = before.size !== after.size;
    for (const [ownerUid, ref] of before) {
      const now = after.get(ownerUid);
      if (!now) {
        ownersChanged = true;
        this.unlink(ownerUid, uid);
        unblockedOwners.push(ref);
      } else {
        if (blocks(ref) && !blocks(now)) unblockedOwners.push(ref);
        if (ref.apiVersion !== now.apiVersion || ref.kind !== now.kind || ref.name !== now.name) ownersChanged = true;
      }
    }
    for (const ownerUid of after.keys()) {
      if (before.has(ownerUid)) continue;
      ownersChanged = true;
      let set = this.dependents.get(ownerUid);
      if (!set) this.dependents.set(ownerUid, (set = new Set()));
      set.add(uid);
    }
    return { node, previous, unblockedOwners, ownersChanged };
  }

  /** Remove an object's node; its own dependents stay indexed under its uid. */
  remove(uid: string): GraphNode | undefined {
    const node = this.nodes.get(uid);
    if (!node) return undefined;
    this.nodes.delete(uid);
    for (const ref of node.owners) this.unlink(ref.uid, uid);
    return node;
  }

  /** The observed objects that name `uid` as an owner. */
  dependentsOf(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => n !== undefined);
  }

  /** Dependents whose reference to `uid` has blockOwnerDeletion=true: they hold up a foreground deletion. */
  blockingDependents(uid: string): GraphNode[] {
    return this.dependentsOf(uid).filter((d) => blocks(d.owners.find((r) => r.uid === uid)));
  }

  private unlink(ownerUid: string, dependentUid: string): void {
    const set = this.dependents.get(ownerUid);
    if (!set) return;
    set.delete(dependentUid);
    if (set.size === 0) this.dependents.delete(ownerUid);
  }
}
