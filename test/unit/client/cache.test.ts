// The indexed cache and listers on their own.

import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/generated/index.js';
import {
  DeletedFinalStateUnknown,
  deletionHandlingKey,
  Indexer,
  Lister,
  metaNamespaceKey,
  NAMESPACE_INDEX,
  splitMetaNamespaceKey,
} from '../../../src/client/cache.js';

const p = (ns: string, name: string, node?: string, labels?: Record<string, string>): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  spec: { containers: [], ...(node ? { nodeName: node } : {}) },
});

describe('keys', () => {
  it('are ns/name, or name for cluster-scoped objects', () => {
    expect(metaNamespaceKey(p('default', 'a'))).toBe('default/a');
    expect(metaNamespaceKey({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(splitMetaNamespaceKey('default/a')).toEqual({ namespace: 'default', name: 'a' });
    expect(splitMetaNamespaceKey('node-1')).toEqual({ namespace: '', name: 'node-1' });
    expect(() => splitMetaNamespaceKey('a/b/c')).toThrow();
    expect(deletionHandlingKey(new DeletedFinalStateUnknown('x/y', p('x', 'y')))).toBe('x/y');
  });
});

describe('Indexer', () => {
  it('indexes by namespace and custom functions, keeping indexes right on update and delete', () => {
    const idx = new Indexer<Pod>({ indexers: { node: (o) => (o.spec?.nodeName ? [o.spec.nodeName] : []), labels: (o) => Object.keys(o.metadata.labels ?? {}) } });
    idx.add(p('a', 'one', 'n1', { x: '1', y: '1' }));
    idx.add(p('a', 'two', 'n1'));
    idx.add(p('b', 'three', 'n2', { x: '1' }));
    expect(idx.size).toBe(3);
    expect(idx.byIndex(NAMESPACE_INDEX, 'a').map((o) => o.metadata.name).sort()).toEqual(['one', 'two']);
    expect(idx.indexKeys('node', 'n1').sort()).toEqual(['a/one', 'a/two']);
    expect(idx.byIndex('labels', 'x').map((o) => o.metadata.name).sort()).toEqual(['one', 'three']);
    expect(idx.index('node', p('zzz', 'probe', 'n2')).map((o) => o.metadata.name)).toEqual(['three']);

    const old = idx.update(p('a', 'one', 'n2'));
    expect(old?.spec?.nodeName).toBe('n1');
    expect(idx.indexKeys('node', 'n1')).toEqual(['a/two']);
    expect(idx.byIndex('labels', 'y')).toEqual([]);
    expect(idx.listIndexFuncValues('labels')).toEqual(['x']);

    idx.delete(p('a', 'two'));
    expect(idx.listIndexFuncValues('node')).toEqual(['n2']);
    expect(idx.getByKey('a/two')).toBeUndefined();
    expect(() => idx.byIndex('nope', 'x')).toThrow(/does not exist/);
    expect(() => idx.addIndexers({ node: () => [] })).toThrow(/conflict/);

    idx.replace([p('c', 'only', 'n9')]);
    expect(idx.listKeys()).toEqual(['c/only']);
    expect(idx.listIndexFuncValues('node')).toEqual(['n9']);
    expect(idx.listIndexFuncValues(NAMESPACE_INDEX)).toEqual(['c']);
  });
});

describe('Lister', () => {
  it('gets by namespace and name (or name alone) and lists with selectors or predicates', () => {
    const idx = new Indexer<Pod>();
    idx.add(p('a', 'one', undefined, { app: 'web' }));
    idx.add(p('b', 'two', undefined, { app: 'db' }));
    const nodes = new Indexer<{ metadata: { name: string } }>();
    nodes.add({ metadata: { name: 'n1' } });
    const lister = new Lister(idx);
    expect(lister.get('a', 'one')?.metadata.name).toBe('one');
    expect(lister.get('a', 'two')).toBeUndefined();
    expect(new Lister(nodes).get('n1')?.metadata.name).toBe('n1');
    expect(lister.list('app=web').map((o) => o.metadata.name)).toEqual(['one']);
    expect(lister.list((o) => o.metadata.namespace === 'b').map((o) => o.metadata.name)).toEqual(['two']);
    expect(lister.namespace('b').list().map((o) => o.metadata.name)).toEqual(['two']);
    expect(lister.namespace('b').list({ matchLabels: { app: 'web' } })).toEqual([]);
    expect(lister.namespace('b').get('two')?.metadata.name).toBe('two');
  });
});
