// apply without a cluster: splitting manifests (multi-document YAML, JSON,
// Lists) with file, document and line; the last-applied annotation; the
// three-way patch client-side apply sends; namespaces; outcome wording and
// error messages that point at the manifest's lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '../../../../src/api/status.js';
import { describeApplyError, fieldValidationFor, LAST_APPLIED_ANNOTATION, placeObject, planClientSideApply, serverSideOutcome, withLastApplied } from '../../../../src/cli/kube/apply.js';
import { dryRunSuffix, formatApiError } from '../../../../src/cli/kube/common.js';
import { KubeError } from '../../../../src/cli/kube/errors.js';
import { manifestFiles, readManifests, splitManifest } from '../../../../src/cli/kube/manifests.js';

const TWO_DOCS = `# a comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
data:
  k: v
---
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: c
        image: nginx
`;

describe('splitting manifests', () => {
  it('one object per YAML document (empty ones skipped), each with its index and line', () => {
    const { objects, problems } = splitManifest(TWO_DOCS, 'web.yaml');
    expect(problems).toEqual([]);
    expect(objects.map((o) => [o.object.kind, o.index, o.line])).toEqual([
      ['ConfigMap', 1, 2],
      ['Deployment', 2, 10],
    ]);
    expect(objects[1]!.lineOf('spec.replicas')).toBe(15);
    expect(objects[1]!.lineOf('spec.template.spec.containers[0].image')).toBe(20);
    expect(objects[1]!.lineOf('spec.nothing.here')).toBe(14);
  });

  it('a List is its items, each at its own line; JSON works the same', () => {
    const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n';
    expect(splitManifest(list, 'l.yaml').objects.map((o) => [o.object.metadata?.name, o.line])).toEqual([
      ['a', 4],
      ['b', 7],
    ]);
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' } });
    expect(splitManifest(json, 'j.json').objects[0]!.object.metadata?.name).toBe('j');
  });

  it('syntax errors, non-objects and missing kind are problems with their lines', () => {
    const { objects, problems } = splitManifest('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n- just\n- a list\n---\nmetadata: {name: x}\n---\nkey: [unclosed\n', 'bad.yaml');
    expect(objects.map((o) => o.object.metadata?.name)).toEqual(['ok']);
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [10, 'YAML syntax error'],
      [5, 'the document is not an object (expected apiVersion, kind and metadata)'],
      [8, 'error validating data'],
    ]);
    expect(problems[2]!.message).toBe('error validating data: [apiVersion not set, kind not set]');
  });

  describe('files and directories', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-apply-'));
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(path.join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
      fs.writeFileSync(path.join(dir, 'a.json'), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a manifest');
      fs.writeFileSync(path.join(dir, 'sub', 'c.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a directory is its manifest files, sorted; -R goes into subdirectories', () => {
      expect(manifestFiles([dir], false).map((f) => path.relative(dir, f))).toEqual(['a.json', 'b.yaml']);
      expect(manifestFiles([dir], true).map((f) => path.relative(dir, f))).toEqual(['a.json', 'b.yaml', path.join('sub', 'c.yml')]);
      expect(() => manifestFiles([path.join(dir, 'missing.yaml')], false)).toThrow(KubeError);
    });

    it('reads files and stdin ("-")', async () => {
      const { objects } = await readManifests([path.join(dir, 'b.yaml'), '-'], false, async () => 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n');
      expect(objects.map((o) => [o.source.endsWith('b.yaml') ? 'b.yaml' : o.source, o.object.metadata?.name])).toEqual([
        ['b.yaml', 'b'],
        ['STDIN', 's'],
      ]);
    });
  });
});

describe('client-side apply', () => {
  const desired = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { replicas: 2, paused: false } };

  it('records the object itself (without the annotation) in the last-applied annotation', () => {
    const withAnnotation = withLastApplied({ ...desired, metadata: { ...desired.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: 'stale', note: 'x' } } });
    const text = withAnnotation.metadata!.annotations![LAST_APPLIED_ANNOTATION]!;
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({ ...desired, metadata: { ...desired.metadata, annotations: { note: 'x' } } });
    expect(JSON.parse(withLastApplied(desired).metadata!.annotations![LAST_APPLIED_ANNOTATION]!).metadata.annotations).toBeUndefined();
  });

  it('creates what is missing, leaves what matches, patches what changed — removing fields the manifest dropped', () => {
    const first = withLastApplied(desired);
    expect(planClientSideApply(first, undefined)).toEqual({ action: 'create', body: first });
    const live = { ...structuredClone(first), metadata: { ...structuredClone(first.metadata!), uid: 'u', resourceVersion: '5' }, status: { replicas: 2 } };
    expect(planClientSideApply(first, live as never)).toEqual({ action: 'none' });

    const { paused: _dropped, ...spec } = desired.spec;
    const second = withLastApplied({ ...desired, spec: { ...spec, replicas: 3 } });
    const plan = planClientSideApply(second, live as never);
    expect(plan.action).toBe('patch');
    if (plan.action !== 'patch') return;
    expect(plan.patchType).toBe('strategic');
    expect(plan.patch).toMatchObject({ spec: { replicas: 3, paused: null }, metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: expect.any(String) } } });
  });

  it('kinds without strategic-merge metadata get a JSON merge patch', () => {
    const app = withLastApplied({ apiVersion: 'gitplane.io/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'x' }, spec: { n: 1 } } as never);
    const plan = planClientSideApply(withLastApplied({ ...app, spec: { n: 2 } } as never), app);
    expect(plan).toMatchObject({ action: 'patch', patchType: 'merge' });
  });

  it('namespaces: the manifest\'s, else -n; -n must agree with it; cluster-scoped kinds have none', () => {
    expect(placeObject({ kind: 'Pod', metadata: { name: 'p' } } as never, { namespaced: true }, 'dev', false).metadata?.namespace).toBe('dev');
    expect(placeObject({ kind: 'Pod', metadata: { name: 'p', namespace: 'prod' } } as never, { namespaced: true }, 'default', false).metadata?.namespace).toBe('prod');
    expect(() => placeObject({ kind: 'Pod', metadata: { name: 'p', namespace: 'prod' } } as never, { namespaced: true }, 'dev', true)).toThrow(
      /the namespace from the provided object "prod" does not match the namespace "dev"/,
    );
    expect(placeObject({ kind: 'Namespace', metadata: { name: 'x', namespace: 'y' } } as never, { namespaced: false }, 'dev', true).metadata?.namespace).toBeUndefined();
  });
});

describe('outcomes and errors', () => {
  it('server-side apply: created, unchanged when only bookkeeping moved, else configured', () => {
    const live = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '1', managedFields: [] }, data: { k: 'v' } };
    expect(serverSideOutcome(undefined, live as never)).toBe('created');
    expect(serverSideOutcome(live as never, { ...live, metadata: { name: 'a', resourceVersion: '2', managedFields: [{}] } } as never)).toBe('unchanged');
    expect(serverSideOutcome(live as never, { ...live, data: { k: 'w' } } as never)).toBe('configured');
  });

  it('dry-run suffixes and --validate values as kubectl words them', () => {
    expect(dryRunSuffix('none')).toBe('');
    expect(dryRunSuffix('client')).toBe(' (dry run)');
    expect(dryRunSuffix('server')).toBe(' (server dry run)');
    expect(fieldValidationFor('true')).toBe('Strict');
    expect(fieldValidationFor('warn')).toBe('Warn');
    expect(fieldValidationFor('false')).toBe('Ignore');
    expect(fieldValidationFor('maybe')).toBeUndefined();
  });

  it('an invalid object names the file and the line of each bad field', () => {
    const m = splitManifest(TWO_DOCS, 'web.yaml').objects[1]!;
    const err = new StatusError(422, 'Invalid', 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1', {
      name: 'web',
      group: 'apps',
      kind: 'Deployment',
      causes: [{ field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }],
    });
    expect(describeApplyError(err, m, 'creating')).toBe('The Deployment "web" is invalid (web.yaml:10, document 2):\n  web.yaml:15: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const notFound = new StatusError(404, 'NotFound', 'namespaces "nope" not found');
    expect(describeApplyError(notFound, m, 'creating')).toBe('Error from server (NotFound): error when creating "web.yaml" (document 2, line 10): namespaces "nope" not found');
  });

  it('API errors print as kubectl prints them', () => {
    expect(formatApiError(new StatusError(404, 'NotFound', 'deployments.apps "x" not found'))).toBe('Error from server (NotFound): deployments.apps "x" not found');
    const invalid = new StatusError(422, 'Invalid', 'x', { kind: 'Deployment', name: 'web', causes: [{ field: 'a', message: 'bad' }, { field: 'b', message: 'worse' }] });
    expect(formatApiError(invalid)).toBe('The Deployment "web" is invalid: \n* a: bad\n* b: worse');
  });
});
