// Every kind of render error, with the exact file, line and field it names, and the
// human format of formatRenderError. Errors are collected; rendering never throws.
import { describe, expect, it } from 'vitest';
import { formatRenderError, Renderer } from '../../../../src/gitops/render/index.js';
import { MemorySnapshot } from './memory-snapshot.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: three
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        ports:
        - containerPort: 80
`;

async function render(files: Record<string, string>, options: { validate?: boolean } = {}) {
  return new Renderer().render(new MemorySnapshot(files), { path: '', ...options });
}

describe('render errors', () => {
  it('YAML syntax errors name file and line, and other files still render', async () => {
    const result = await render({
      'bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: [unclosed\n',
      'good.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n',
    });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ file: 'bad.yaml', line: 6 });
    expect(result.errors[0].message).toMatch(/^YAML syntax error: /);
    expect(result.objects.map((o) => o.object.metadata.name)).toEqual(['good']);
  });

  it('a syntax error in one document keeps the other documents of the file', async () => {
    const result = await render({ 'm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkey: "unterminated\n' });
    expect(result.objects.map((o) => o.object.metadata.name)).toEqual(['a']);
    expect(result.errors.map((e) => [e.file, e.line])).toEqual([['m.yaml', 5]]);
  });

  it('duplicate keys are syntax errors', async () => {
    const result = await render({ 'd.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n' });
    expect(result.errors.map((e) => [e.file, e.line])).toEqual([['d.yaml', 5]]);
  });

  it('documents that are not mappings', async () => {
    const result = await render({ 'n.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- just\n- a list\n---\nhello\n' });
    expect(result.errors).toEqual([
      { file: 'n.yaml', line: 5, message: 'document is not a mapping (got a list)' },
      { file: 'n.yaml', line: 8, message: 'document is not a mapping (got a string)' },
    ]);
    expect(result.objects).toHaveLength(1);
  });

  it('missing apiVersion, kind and metadata.name point at the document', async () => {
    const result = await render({
      'm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n# the next object\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n---\napiVersion: v1\nmetadata: {name: x}\n',
    });
    expect(result.errors).toEqual([
      { file: 'm.yaml', line: 6, field: 'apiVersion', message: 'Required value' },
      { file: 'm.yaml', line: 6, field: 'metadata.name', message: 'Required value' },
      { file: 'm.yaml', line: 10, field: 'kind', message: 'Required value' },
    ]);
  });

  it('a List item without a name points at the item', async () => {
    const result = await render({ 'l.yaml': 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {}\n' });
    expect(result.errors).toEqual([{ file: 'l.yaml', line: 7, field: 'metadata.name', message: 'Required value' }]);
  });

  it('unknown kinds name apiVersion and kind, at the kind line', async () => {
    const result = await render({ 'crd.yaml': 'apiVersion: example.com/v1\nmetadata:\n  name: w\nkind: Widget\n' });
    expect(result.errors).toEqual([
      { file: 'crd.yaml', line: 4, field: 'kind', message: 'unknown kind: gitplane does not serve kind "Widget" in apiVersion "example.com/v1"' },
    ]);
  });

  it('schema errors point at the offending field, or its nearest existing parent', async () => {
    const result = await render({ 'deploy.yaml': `# web\n${deployment}` });
    expect(result.objects).toEqual([]);
    const byField = Object.fromEntries(result.errors.map((e) => [e.field, e]));
    expect(byField['spec.replicas']).toMatchObject({ file: 'deploy.yaml', line: 9 });
    // containers[0].image does not exist: the error points at containers[0].
    expect(byField['spec.template.spec.containers[0].image']).toMatchObject({ file: 'deploy.yaml', line: 19, message: 'Required value' });
  });

  it('schema errors inside List items and JSON files', async () => {
    const json = '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {\n    "name": "c",\n    "labels": {"bad label!": "x"}\n  }\n}\n';
    const result = await render({ 'c.json': json });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ file: 'c.json', line: 6, field: 'metadata.labels' });
  });

  it('validate: false skips schema validation but still requires apiVersion, kind and name', async () => {
    const result = await render({ 'deploy.yaml': deployment, 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' }, { validate: false });
    expect(result.objects.map((o) => o.object.metadata.name)).toEqual(['web']);
    expect(result.errors).toEqual([{ file: 'x.yaml', line: 1, field: 'metadata.name', message: 'Required value' }]);
  });

  it('the Validate=false sync option on one object skips its validation only', async () => {
    const annotated = deployment.replace('  labels:\n    app: web\n', '  annotations:\n    argocd.argoproj.io/sync-options: Prune=false,Validate=false\n');
    const result = await render({ 'a.yaml': annotated, 'b.yaml': deployment.replace('name: web', 'name: web2') });
    expect(result.objects.map((o) => o.object.metadata.name)).toEqual(['web']);
    expect(new Set(result.errors.map((e) => e.file))).toEqual(new Set(['b.yaml']));
  });

  it('duplicates name both places; the first one is kept', async () => {
    const cm = (ns: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n${ns}`;
    const result = await render({
      'a.yaml': cm(''),
      'b.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: same}\n---\n${cm('  namespace: default\n')}`,
      'c.yaml': cm('  namespace: other\n'),
    });
    expect(result.errors).toEqual([
      { file: 'b.yaml', line: 5, message: 'duplicate object: ConfigMap default/same is defined at a.yaml:1 and at b.yaml:5' },
    ]);
    expect(result.objects.map((o) => [o.object.kind, o.object.metadata.namespace, o.source.file])).toEqual([
      ['ConfigMap', 'default', 'a.yaml'],
      ['Secret', 'default', 'b.yaml'],
      ['ConfigMap', 'other', 'c.yaml'],
    ]);
  });

  it('formatRenderError reads file:line: field: message', () => {
    expect(formatRenderError({ file: 'a.yaml', line: 3, field: 'spec.replicas', message: 'Invalid value' })).toBe('a.yaml:3: spec.replicas: Invalid value');
    expect(formatRenderError({ file: 'a.yaml', line: 3, message: 'boom' })).toBe('a.yaml:3: boom');
    expect(formatRenderError({ file: 'a.yaml', message: 'boom' })).toBe('a.yaml: boom');
  });
});
