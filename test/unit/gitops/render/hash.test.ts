// kustomize's generator hash: the vectors of kustomize's own hasher tests and the names
// kubernetes.io's kustomize tutorial shows, so generated names match `kustomize build`.
import { describe, expect, it } from 'vitest';
import { kustomizeHash, Renderer } from '../../../../src/gitops/render/index.js';
import { encodeHash, hashInput } from '../../../../src/gitops/render/kustomize/hash.js';
import { MemorySnapshot } from './memory-snapshot.js';

describe('kustomizeHash', () => {
  it.each([
    ['empty ConfigMap', { kind: 'ConfigMap' }, '{"data":"","kind":"ConfigMap","name":""}', '6ct58987ht'],
    ['one key', { kind: 'ConfigMap', data: { one: '' } }, '{"data":{"one":""},"kind":"ConfigMap","name":""}', '9g67k2htb6'],
    ['three keys, sorted', { kind: 'ConfigMap', data: { two: 2, one: '', three: 3 } }, '{"data":{"one":"","three":3,"two":2},"kind":"ConfigMap","name":""}', '7757f9kkct'],
    ['binaryData', { kind: 'ConfigMap', binaryData: { one: '' } }, '{"binaryData":{"one":""},"data":"","kind":"ConfigMap","name":""}', '6mtk2m274t'],
    ['Secret', { kind: 'Secret', type: 'my-type', data: { one: '' } }, '{"data":{"one":""},"kind":"Secret","name":"","type":"my-type"}', '74bd68bm66'],
    ['Secret with stringData', { kind: 'Secret', type: 'my-type', data: { one: '' }, stringData: { two: 2 } }, '{"data":{"one":""},"kind":"Secret","name":"","stringData":{"two":2},"type":"my-type"}', 'c4h4264gdb'],
  ])('%s (kustomize hasher_test)', (_name, obj, encoded, hash) => {
    expect(hashInput(obj)).toBe(encoded);
    expect(kustomizeHash(obj)).toBe(hash);
  });

  it('escapes HTML characters as Go does', () => {
    expect(hashInput({ kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: '<&>\u2028' } })).toBe('{"data":{"k":"\\u003c\\u0026\\u003e\\u2028"},"kind":"ConfigMap","name":"a"}');
  });

  it('maps 0, 1, 3, a and e to consonants', () => {
    expect(encodeHash('0123456789abcdef')).toBe('gh2k456789');
    expect(encodeHash('aeaeaeaeaeff')).toBe('mtmtmtmtmt');
  });
});

describe('generated names match kustomize build', () => {
  // The examples of https://kubernetes.io/docs/tasks/configmap-secret/managing-secret-using-kustomize/
  // and .../configure-pod-container/configure-pod-configmap/ (kustomize's output names).
  it.each([
    ['configMapGenerator', 'example-configmap-1', '  files:\n  - application.properties\n', 'example-configmap-1-8mbdf7882g'],
    ['configMapGenerator', 'example-configmap-2', '  literals:\n  - FOO=Bar\n', 'example-configmap-2-g2hdhfc6tk'],
    ['secretGenerator', 'example-secret-1', '  files:\n  - password.txt\n', 'example-secret-1-t2kt65hgtb'],
  ])('%s %s', async (generator, name, sources, expected) => {
    const files = {
      'kustomization.yaml': `${generator}:\n- name: ${name}\n${sources}`,
      'application.properties': 'FOO=Bar\n',
      'password.txt': 'username=admin\npassword=secret\n',
    };
    const snap = new MemorySnapshot(files);
    const renderer = new Renderer();
    const first = await renderer.render(snap, { path: '' });
    expect(first.errors).toEqual([]);
    expect(first.objects.map((o) => o.object.metadata.name)).toEqual([expected]);
    // Stable: the same content gives the same name in another renderer, from cache or not.
    const again = await new Renderer().render(new MemorySnapshot({ ...files }, 'c'.repeat(40)), { path: '' });
    expect(again.objects[0].object.metadata.name).toBe(expected);
    expect((await renderer.render(snap, { path: '' })).objects[0].object.metadata.name).toBe(expected);
  });
});
