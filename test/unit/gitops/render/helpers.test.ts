// The small pure pieces of render: globs, image references, field paths.
import { describe, expect, it } from 'vitest';
import { matchesGlob } from '../../../../src/gitops/render/index.js';
import { splitFieldPath } from '../../../../src/gitops/render/field-line.js';
import { parseImage, replaceImage } from '../../../../src/gitops/render/kustomize/images.js';

describe('globs', () => {
  it.each([
    ['*.yaml', 'a.yaml', true],
    ['*.yaml', 'sub/a.yaml', false],
    ['**/*.yaml', 'a.yaml', true],
    ['**/*.yaml', 'x/y/a.yaml', true],
    ['{*.yaml,*.yml}', 'a.yml', true],
    ['{config.json,env-usw2/*}', 'env-usw2/a.yaml', true],
    ['{config.json,env-usw2/*}', 'env-use1/a.yaml', false],
    ['{a,{b,c}}.yaml', 'c.yaml', true],
    ['file?.json', 'file1.json', true],
    ['[!a]*.yaml', 'a.yaml', false],
    ['[!a]*.yaml', 'b.yaml', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['{unclosed', '{unclosed', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(matchesGlob(pattern, path)).toBe(expected);
  });
});

describe('image references', () => {
  it.each([
    ['nginx', { name: 'nginx' }],
    ['nginx:1.25', { name: 'nginx', tag: '1.25' }],
    ['localhost:5000/nginx', { name: 'localhost:5000/nginx' }],
    ['localhost:5000/nginx:1.25@sha256:ab', { name: 'localhost:5000/nginx', tag: '1.25', digest: 'sha256:ab' }],
  ])('parses %s', (image, expected) => {
    expect(parseImage(image)).toEqual(expected);
  });

  it.each([
    ['nginx:1.14', { name: 'nginx', newTag: '1.25' }, 'nginx:1.25'],
    ['nginx:1.14', { name: 'nginx', newName: 'my/nginx' }, 'my/nginx:1.14'],
    ['nginx@sha256:old', { name: 'nginx', newTag: '2' }, 'nginx:2'],
    ['nginx:1.14', { name: 'nginx', digest: 'sha256:new' }, 'nginx@sha256:new'],
    ['nginx', { name: 'nginx', newName: 'r:5000/n', newTag: 't', digest: 'sha256:d' }, 'r:5000/n:t@sha256:d'],
  ])('%s with %j → %s', (image, entry, expected) => {
    expect(replaceImage(image, entry)).toBe(expected);
  });
});

describe('field paths', () => {
  it.each([
    ['spec.template.spec.containers[0].image', ['spec', 'template', 'spec', 'containers', '0', 'image']],
    ['metadata.labels[app.kubernetes.io/name]', ['metadata', 'labels', 'app.kubernetes.io/name']],
    ['data[a.b]', ['data', 'a.b']],
    ['', []],
  ])('splits %s', (path, expected) => {
    expect(splitFieldPath(path)).toEqual(expected);
  });
});
