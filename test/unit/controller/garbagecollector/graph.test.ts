import { describe, expect, it } from 'vitest';
import { DependencyGraph, nodeFor, resolveKind, type GraphObject } from '../../../../src/controller/garbagecollector/index.js';

function obj(uid: string, owners: Array<{ uid: string; block?: boolean }> = [], meta: { deleting?: boolean; finalizers?: string[]; namespace?: string } = {}): GraphObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `cm-${uid}`,
      namespace: meta.namespace ?? 'ns',
      uid,
      ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: `cm-${o.uid}`, uid: o.uid, ...(o.block !== undefined ? { blockOwnerDeletion: o.block } : {}) })),
      ...(meta.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
    },
  };
}

describe('nodeFor', () => {
  it('reads the deletion state from deletionTimestamp and finalizers', () => {
    expect(nodeFor(obj('a', [], { deleting: true, finalizers: ['foregroundDeletion'] }))).toMatchObject({ beingDeleted: true, deletingDependents: true, orphaning: false });
    expect(nodeFor(obj('a', [], { deleting: true, finalizers: ['orphan'] }))).toMatchObject({ beingDeleted: true, deletingDependents: false, orphaning: true });
    expect(nodeFor(obj('a', [], { finalizers: ['foregroundDeletion'] }))).toMatchObject({ beingDeleted: false, deletingDependents: false });
    expect(nodeFor({ kind: 'ConfigMap', metadata: { name: 'x' } })).toBeUndefined();
  });
});

describe('DependencyGraph', () => {
  it('indexes dependents under owners that are not in the graph themselves', () => {
    const g = new DependencyGraph();
    const change = g.upsert(nodeFor(obj('child', [{ uid: 'owner', block: true }]))!);
    expect(change.previous).toBeUndefined();
    expect(change.ownersChanged).toBe(true);
    expect(g.get('owner')).toBeUndefined();
    expect(g.dependentsOf('owner').map((n) => n.identity.uid)).toEqual(['child']);
    expect(g.blockingDependents('owner').map((n) => n.identity.uid)).toEqual(['child']);
  });

  it('reports owners that were dropped or stopped blocking', () => {
    const g = new DependencyGraph();
    g.upsert(nodeFor(obj('child', [{ uid: 'a', block: true }, { uid: 'b', block: true }, { uid: 'c' }]))!);
    const change = g.upsert(nodeFor(obj('child', [{ uid: 'a', block: false }, { uid: 'c' }]))!);
    expect(change.unblockedOwners.map((r) => r.uid).sort()).toEqual(['a', 'b']);
    expect(change.ownersChanged).toBe(true);
    expect(g.dependentsOf('b')).toEqual([]);
    expect(g.blockingDependents('a')).toEqual([]);
    expect(g.dependentsOf('a').map((n) => n.identity.uid)).toEqual(['child']);
    expect(g.upsert(nodeFor(obj('child', [{ uid: 'a', block: false }, { uid: 'c' }]))!).ownersChanged).toBe(false);
  });

  it('removing a node unlinks it from its owners and keeps its own dependents indexed', () => {
    const g = new DependencyGraph();
    g.upsert(nodeFor(obj('owner'))!);
    g.upsert(nodeFor(obj('mid', [{ uid: 'owner' }]))!);
    g.upsert(nodeFor(obj('leaf', [{ uid: 'mid' }]))!);
    g.remove('mid');
    expect(g.dependentsOf('owner')).toEqual([]);
    expect(g.dependentsOf('mid').map((n) => n.identity.uid)).toEqual(['leaf']);
    expect(g.size).toBe(2);
  });
});

describe('resolveKind', () => {
  it('finds served kinds, in another version of the same group too', () => {
    expect(resolveKind('apps/v1', 'ReplicaSet')).toMatchObject({ plural: 'replicasets', namespaced: true });
    expect(resolveKind('apps/v1beta2', 'Deployment')).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(resolveKind('v1', 'Node')).toMatchObject({ namespaced: false });
    expect(resolveKind('example.com/v1', 'Widget')).toBeUndefined();
  });
});
