// formatDiff and redactSecret: unified YAML diffs, colour on request, Secret values never shown.

import { describe, expect, it } from 'vitest';
import { diffResource, formatDiff, normalize, prepareForApply, redactSecret } from '../../../../src/gitops/diff/index.js';
import { diffLines, hunks } from '../../../../src/gitops/diff/line-diff.js';
import { resourceIdOf, resourceKey } from '../../../../src/gitops/types.js';
import { APP, applied, configMap, deployment } from './fixtures.js';

describe('line diff', () => {
  it('finds the shortest edit and renders hunks with context', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const b = ['a', 'b', 'X', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
    const edits = diffLines(a, b);
    expect(edits.filter((e) => e.op !== ' ')).toEqual([
      { op: '-', line: 'c' },
      { op: '+', line: 'X' },
      { op: '+', line: 'k' },
    ]);
    expect(hunks(edits, 1)).toEqual([
      ['@@ -2,3 +2,3 @@', ' b', '-c', '+X', ' d'],
      ['@@ -10,1 +10,2 @@', ' j', '+k'],
    ]);
    expect(hunks(diffLines([], ['x']))).toEqual([['@@ -0,0 +1,1 @@', '+x']]);
    expect(hunks(diffLines(['x', 'y'], ['x', 'y']))).toEqual([]);
  });

  it('handles large inputs', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const b = a.map((l, i) => (i % 100 === 0 ? `${l} changed` : l));
    const edits = diffLines(a, b);
    expect(edits.filter((e) => e.op === '-')).toHaveLength(50);
    expect(edits.filter((e) => e.op === '+')).toHaveLength(50);
  });
});

describe('formatDiff', () => {
  it('shows a changed field as a unified diff of YAML', () => {
    const { live } = applied(deployment());
    (live.spec as any).replicas = 5;
    const text = formatDiff([diffResource(prepareForApply(deployment(), APP), live)]);
    expect(text).toContain('--- live/Deployment/default/web\n+++ desired/Deployment/default/web\n');
    expect(text).toMatch(/^-  replicas: 5$/m);
    expect(text).toMatch(/^\+  replicas: 3$/m);
    expect(text).not.toContain('last-applied');
    expect(text).not.toContain('resourceVersion');
  });

  it('leaves out synced resources, shows creates and prunes whole, colours on request', () => {
    const { applied: a, live } = applied(configMap());
    const created = diffResource(prepareForApply(configMap('new'), APP), undefined);
    const old = { ...live, metadata: { ...live.metadata, name: 'old' } };
    const pruned = { id: resourceIdOf(old), key: resourceKey(resourceIdOf(old)), action: 'prune' as const, live: old };
    const text = formatDiff([diffResource(a, live), created, pruned], { color: true });
    expect(text).not.toContain('ConfigMap/default/settings');
    expect(text).toContain('\x1b[1m+++ desired/ConfigMap/default/old\x1b[0m');
    expect(text).toContain('\x1b[1m--- live/ConfigMap/default/new\x1b[0m');
    expect(text).toContain('\x1b[32m+  name: new\x1b[0m');
    expect(text).toContain('\x1b[31m-  name: old\x1b[0m');
    expect(text).toMatch(/\x1b\[36m@@ -0,0 \+1,\d+ @@/);
    expect(formatDiff([diffResource(a, live)])).toBe('');
  });

  it('never shows Secret values, but shows which changed', () => {
    const secret = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, type: 'Opaque', stringData: data });
    const { live } = applied(secret({ user: 'admin', password: 'old-pass', token: 'same' }));
    const d = diffResource(prepareForApply(secret({ user: 'admin', password: 'new-pass', token: 'same' }), APP), live);
    expect(d.status).toBe('OutOfSync');
    const text = formatDiff([d]);
    for (const v of ['admin', 'old-pass', 'new-pass', 'same', 'YWRtaW4', Buffer.from('new-pass').toString('base64')]) expect(text).not.toContain(v);
    const removed = text.split('\n').filter((l) => l.startsWith('-  password'));
    const added = text.split('\n').filter((l) => l.startsWith('+  password'));
    expect(removed).toHaveLength(1);
    expect(added).toHaveLength(1);
    expect(removed[0].slice(1)).not.toBe(added[0].slice(1));
    expect(text).not.toMatch(/^[-+]\s+(user|token):/m);
  });

  it('redactSecret keeps keys, hides values, and leaves other kinds alone', () => {
    const table = new Map();
    const a = redactSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'eA==', b: 'eQ==', c: 'eA==' } }, table);
    expect(a.data).toEqual({ a: '++++++++', b: '+++++++++', c: '++++++++' });
    const cm = configMap();
    expect(redactSecret(cm)).toBe(cm);
  });
});

describe('normalize', () => {
  it('drops status, server metadata, bookkeeping annotations and empty values', () => {
    const n = normalize({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', uid: 'u', resourceVersion: '1', generation: 2, creationTimestamp: 't', managedFields: [{}], annotations: { 'gitplane.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '3' }, labels: {}, ownerReferences: [{ uid: 'o' }] },
      data: {},
      binaryData: null,
      list: [],
      status: { phase: 'x' },
    });
    expect(n).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', ownerReferences: [{ uid: 'o' }] } });
  });
});
