import { describe, expect, it } from 'vitest';
import { knownKinds } from '../../../../src/api/schemas.js';
import { columnDefinitionsFor, partialObjectMetadata, printerFor, tableFor } from '../../../../src/apiserver/table/index.js';
import { formatLabels, formatLabelSelector, labelSelectorString, layoutContainerCells } from '../../../../src/apiserver/table/format.js';

const now = Date.parse('2025-01-01T12:00:00Z');

const cm = (name: string, namespace: string, rv: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace,
    uid: `uid-${name}`,
    resourceVersion: rv,
    creationTimestamp: '2025-01-01T11:59:00Z',
    labels: { app: 'x' },
    annotations: { note: 'y' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }],
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
  },
  data: { k: 'v' },
});

describe('tableFor', () => {
  it('builds a meta.k8s.io/v1 Table with headers, rows and the list resourceVersion', () => {
    const table = tableFor('ConfigMap', [cm('a', 'default', '10'), cm('b', 'kube-system', '11')], { now, resourceVersion: '111', continue: 'tok' });
    expect(Object.keys(table)).toEqual(['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.metadata).toEqual({ resourceVersion: '111', continue: 'tok' });
    expect(table.columnDefinitions![0]).toMatchObject({ name: 'Name', type: 'string', format: 'name', priority: 0 });
    expect(table.rows.map((r) => r.cells)).toEqual([
      ['a', 1, '60s'],
      ['b', 1, '60s'],
    ]);
  });

  it('carries PartialObjectMetadata by default (kubectl -A reads the namespace from it)', () => {
    const row = tableFor('ConfigMap', [cm('a', 'team-a', '10')], { now }).rows[0];
    expect(row.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: {
        name: 'a',
        namespace: 'team-a',
        uid: 'uid-a',
        resourceVersion: '10',
        creationTimestamp: '2025-01-01T11:59:00Z',
        labels: { app: 'x' },
        annotations: { note: 'y' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }],
      },
    });
    expect(row).not.toHaveProperty('conditions');
  });

  it('honours includeObject None and Object', () => {
    const obj = cm('a', 'default', '10');
    expect(tableFor('ConfigMap', [obj], { now, includeObject: 'None' }).rows[0]).toEqual({ cells: ['a', 1, '60s'] });
    expect(tableFor('ConfigMap', [obj], { now, includeObject: 'Object' }).rows[0].object).toBe(obj);
  });

  it('omits the headers for watch events after the first', () => {
    const table = tableFor('ConfigMap', [cm('a', 'default', '12')], { now, omitHeaders: true });
    expect(table).not.toHaveProperty('columnDefinitions');
    // A single object's Table takes its resourceVersion, as a GET of one object does.
    expect(table.metadata).toEqual({ resourceVersion: '12' });
    expect(tableFor('ConfigMap', [], { now }).metadata).toEqual({});
    expect(tableFor('ConfigMap', [], { now }).rows).toEqual([]);
  });

  it('can answer meta.k8s.io/v1beta1', () => {
    const table = tableFor('ConfigMap', [cm('a', 'default', '1')], { now, apiVersion: 'meta.k8s.io/v1beta1' });
    expect(table.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(partialObjectMetadata(cm('a', 'default', '1'), 'meta.k8s.io/v1beta1').apiVersion).toBe('meta.k8s.io/v1beta1');
  });

  it('prints Name and Age for kinds without a printer', () => {
    const table = tableFor('Widget', [{ metadata: { name: 'w', creationTimestamp: '2025-01-01T10:00:00Z' } }, { metadata: { name: 'v' } }], { now });
    expect(table.columnDefinitions!.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(table.rows.map((r) => r.cells)).toEqual([
      ['w', '120m'],
      ['v', '<unknown>'],
    ]);
  });

  it('has a printer for every served kind, with one cell per column and one name column', () => {
    for (const k of knownKinds()) {
      const printer = printerFor(k.kind);
      expect(printer.columns.filter((c) => c.format === 'name'), k.kind).toHaveLength(1);
      const minimal = { apiVersion: k.apiVersion, kind: k.kind, metadata: { name: 'x', creationTimestamp: '2025-01-01T11:00:00Z' } };
      const row = tableFor(k.kind, [minimal], { now }).rows[0];
      expect(row.cells, k.kind).toHaveLength(printer.columns.length);
      for (const cell of row.cells) expect(['string', 'number', 'boolean']).toContain(typeof cell);
      expect(columnDefinitionsFor(k.kind).map((c) => c.name)).toEqual(printer.columns.map((c) => c.name));
    }
  });

  it('does not let callers mutate the shared column definitions', () => {
    const first = tableFor('Pod', [], { now });
    first.columnDefinitions![0].name = 'changed';
    expect(tableFor('Pod', [], { now }).columnDefinitions![0].name).toBe('Name');
  });
});

describe('format helpers', () => {
  it('formats labels and selectors like apimachinery', () => {
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels(undefined)).toBe('<none>');
    expect(labelSelectorString(undefined)).toBe('');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'k', operator: 'In', values: ['b', 'a'] }] })).toBe('k in (a,b)');
    expect(layoutContainerCells([{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }])).toEqual(['a,b', 'x,y']);
    expect(layoutContainerCells(undefined)).toEqual(['', '']);
  });
});
