// Plain directory sources: which files are read (recurse, include/exclude, hidden), how
// documents become objects (multi-doc, List, JSON), their source lines and namespaces.
import { describe, expect, it } from 'vitest';
import { Renderer } from '../../../../src/gitops/render/index.js';
import { MemorySnapshot } from './memory-snapshot.js';

const cm = (name: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n  k: v\n`;

function names(result: { objects: { object: { metadata: { name?: string } } }[] }): string[] {
  return result.objects.map((o) => o.object.metadata.name ?? '');
}

describe('plain directories', () => {
  const snap = new MemorySnapshot({
    'app/a.yaml': cm('a'),
    'app/b.yml': cm('b'),
    'app/c.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, null, 2),
    'app/README.md': '# not a manifest\n',
    'app/values.txt': 'x',
    'app/.hidden.yaml': cm('hidden'),
    'app/.git/config.yaml': cm('in-dot-dir'),
    'app/sub/d.yaml': cm('d'),
    'app/sub/deeper/e.yaml': cm('e'),
    'app/sub/.secret/f.yaml': cm('f'),
    'other/x.yaml': cm('x'),
  });

  it('reads .yaml, .yml and .json files of the directory only, skipping hidden files', async () => {
    const result = await new Renderer().render(snap, { path: 'app' });
    expect(result.errors).toEqual([]);
    expect(names(result)).toEqual(['a', 'b', 'c']);
    expect(result.files).toBe(3);
  });

  it('recurses when asked, still skipping hidden directories', async () => {
    const result = await new Renderer().render(snap, { path: './app/', directory: { recurse: true } });
    expect(names(result)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('renders the repository root with "" and "."', async () => {
    for (const path of ['', '.']) {
      const result = await new Renderer().render(snap, { path, directory: { recurse: true } });
      expect(names(result)).toEqual(['a', 'b', 'c', 'd', 'e', 'x']);
    }
  });

  it.each([
    [{ include: '*.yaml' }, ['a', 'd', 'e']],
    [{ include: '{*.yml,*.json}' }, ['b', 'c']],
    [{ exclude: 'sub/*' }, ['a', 'b', 'c', 'e']],
    [{ exclude: 'sub/**' }, ['a', 'b', 'c']],
    [{ exclude: '{c.json,sub/deeper/*}' }, ['a', 'b', 'd']],
    [{ include: '**/d.yaml' }, ['d']],
    [{ include: 'sub/**/*.yaml' }, ['d', 'e']],
    [{ include: '*.yaml', exclude: 'e.yaml' }, ['a', 'd']],
    [{ include: '[ab].y*ml' }, ['a', 'b']],
  ])('include/exclude %j', async (globs, expected) => {
    const result = await new Renderer().render(snap, { path: 'app', directory: { recurse: true, ...globs } });
    expect(names(result)).toEqual(expected);
  });

  it('a missing directory renders nothing, without error', async () => {
    const result = await new Renderer().render(snap, { path: 'nope' });
    expect(result).toEqual({ objects: [], errors: [], files: 0, kustomize: false });
  });

  it('a snapshot that fails to read is an error, not an exception', async () => {
    const broken = new MemorySnapshot({ 'app/a.yaml': cm('a') });
    broken.readFile = async () => {
      throw new Error('object store corrupt');
    };
    const result = await new Renderer().render(broken, { path: 'app' });
    expect(result.objects).toEqual([]);
    expect(result.errors).toEqual([{ file: 'app', message: 'reading the repository failed: object store corrupt' }]);
  });

  it('refuses a path above the repository root', async () => {
    const result = await new Renderer().render(snap, { path: '../x' });
    expect(result.errors).toEqual([{ file: '../x', message: 'path points outside the repository' }]);
  });
});

describe('documents', () => {
  it('splits multi-document YAML, skips empty documents and keeps each start line', async () => {
    const text = ['# leading comment', '---', cm('one').trimEnd(), '---', '---', '# only a comment', '---', cm('two').trimEnd(), '...', ''].join('\n');
    const result = await new Renderer().render(new MemorySnapshot({ 'm.yaml': text }), { path: '' });
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => [o.object.metadata.name, o.source])).toEqual([
      ['one', { file: 'm.yaml', line: 3 }],
      ['two', { file: 'm.yaml', line: 13 }],
    ]);
  });

  it('flattens List and *List kinds, each item at its own line', async () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: first
- apiVersion: v1
  kind: Secret
  metadata:
    name: second
---
apiVersion: v1
kind: ConfigMapList
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: third}
`;
    const result = await new Renderer().render(new MemorySnapshot({ 'list.yaml': text }), { path: '' });
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => [o.object.kind, o.object.metadata.name, o.source.line])).toEqual([
      ['ConfigMap', 'first', 4],
      ['Secret', 'second', 8],
      ['ConfigMap', 'third', 16],
    ]);
  });

  it('reads JSON files through the YAML parser, with lines', async () => {
    const text = '{\n\t"apiVersion": "v1",\n\t"kind": "List",\n\t"items": [\n\t\t{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j1"}},\n\t\t{\n\t\t\t"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j2"}}\n\t]\n}\n';
    const result = await new Renderer().render(new MemorySnapshot({ 'x.json': text }), { path: '' });
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => [o.object.metadata.name, o.source.line])).toEqual([
      ['j1', 5],
      ['j2', 6],
    ]);
  });
});

describe('namespaces', () => {
  const snap = new MemorySnapshot({
    'a.yaml': cm('no-ns'),
    'b.yaml': cm('own-ns', '  namespace: mine\n'),
    'c.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  namespace: ignored\n',
  });

  it('gives namespaced objects the destination namespace, "default" when none is given', async () => {
    const r1 = await new Renderer().render(snap, { path: '' });
    expect(r1.objects.map((o) => [o.object.metadata.name, o.object.metadata.namespace])).toEqual([
      ['no-ns', 'default'],
      ['own-ns', 'mine'],
      ['team', undefined],
    ]);
    const r2 = await new Renderer().render(snap, { path: '', namespace: 'dest' });
    expect(r2.objects.map((o) => o.object.metadata.namespace)).toEqual(['dest', 'mine', undefined]);
    expect('namespace' in r2.objects[2].object.metadata).toBe(false);
  });
});
