// The parse cache: blobs parsed once per oid, a one-line change re-parses one file, and
// callers cannot corrupt cached documents by mutating what render returns.
import { describe, expect, it } from 'vitest';
import { Renderer } from '../../../../src/gitops/render/index.js';
import { MemorySnapshot } from './memory-snapshot.js';

const cm = (name: string, value = 'v') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: ${value}\n`;

function repo(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`app/cm-${String(i).padStart(3, '0')}.yaml`] = cm(`cm-${i}`);
  return files;
}

describe('parse cache', () => {
  it('parses each blob once; a one-line change re-parses only that file', async () => {
    const renderer = new Renderer();
    const snap = new MemorySnapshot(repo(20));
    const first = await renderer.render(snap, { path: 'app' });
    expect(first.objects).toHaveLength(20);
    expect(renderer.stats).toEqual({ parsed: 20, cached: 0 });

    const second = await renderer.render(snap, { path: 'app' });
    expect(second.objects).toEqual(first.objects);
    expect(renderer.stats).toEqual({ parsed: 20, cached: 20 });

    const changed = snap.with({ 'app/cm-007.yaml': cm('cm-7', 'changed') });
    const third = await renderer.render(changed, { path: 'app' });
    expect(renderer.stats).toEqual({ parsed: 21, cached: 39 });
    expect((third.objects[7].object as { data?: unknown }).data).toEqual({ key: 'changed' });
    expect((third.objects[6].object as { data?: unknown }).data).toEqual({ key: 'v' });
  });

  it('returned objects are copies: mutating them does not change the next render', async () => {
    const renderer = new Renderer();
    const snap = new MemorySnapshot(repo(2));
    const first = await renderer.render(snap, { path: 'app', namespace: 'a' });
    const obj = first.objects[0].object as unknown as { metadata: { labels?: Record<string, string> }; data: Record<string, string> };
    obj.data.key = 'mutated';
    obj.metadata.labels = { evil: 'yes' };
    first.objects[0].source.line = 99;
    const second = await renderer.render(snap, { path: 'app', namespace: 'b' });
    expect(renderer.stats.cached).toBe(2);
    expect(second.objects[0].object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-0', namespace: 'b' }, data: { key: 'v' } });
    expect(second.objects[0].source).toEqual({ file: 'app/cm-000.yaml', line: 1 });
  });

  it('the same blob at two paths is parsed once, and each copy names its own path', async () => {
    const renderer = new Renderer();
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n';
    const result = await renderer.render(new MemorySnapshot({ 'a/x.yaml': bad, 'b/x.yaml': bad }), { path: '', directory: { recurse: true } });
    expect(renderer.stats).toEqual({ parsed: 1, cached: 1 });
    expect(result.errors.map((e) => e.file)).toEqual(['a/x.yaml', 'b/x.yaml']);
  });

  it('kustomizations, resources and patches are cached too', async () => {
    const renderer = new Renderer();
    const snap = new MemorySnapshot({
      'k/kustomization.yaml': 'resources:\n- cm.yaml\npatchesStrategicMerge:\n- patch.yaml\n',
      'k/cm.yaml': cm('c'),
      'k/patch.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  other: x\n',
    });
    await renderer.render(snap, { path: 'k' });
    expect(renderer.stats).toEqual({ parsed: 3, cached: 0 });
    const again = await renderer.render(snap, { path: 'k' });
    expect(renderer.stats).toEqual({ parsed: 3, cached: 3 });
    expect((again.objects[0].object as { data?: unknown }).data).toEqual({ key: 'v', other: 'x' });
  });

  it('drops the least recently used files past maxCachedFiles', async () => {
    const renderer = new Renderer({ maxCachedFiles: 5 });
    const snap = new MemorySnapshot(repo(10));
    await renderer.render(snap, { path: 'app' });
    expect(renderer.stats).toEqual({ parsed: 10, cached: 0 });
    // Only the 5 most recent (cm-005..cm-009) were kept.
    await renderer.render(snap, { path: 'app' });
    expect(renderer.stats).toEqual({ parsed: 15, cached: 5 });
  });
});
