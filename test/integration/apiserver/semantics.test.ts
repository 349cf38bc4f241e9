// Kubernetes REST semantics of the API server, over real HTTPS against the
// whole control plane in this process. Each row: a setup, one request, the
// expected status code and reason, and assertions on the body (and, where
// the point is what was or was not written, on the state afterwards). Every
// row gets a fresh namespace. Watch streams have their own section below.
//
// Expected values are Kubernetes' (kube-apiserver 1.31), not whatever the
// server happens to do; a row that fails is a server bug to report.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../../src/apiserver/server.js';
import { openStore, type Store } from '../../../src/storage/index.js';
import { startTestCluster, type TestCluster } from '../../support/cluster.js';
import {
  configMap,
  deployment,
  eventually,
  openWatch,
  paths as P,
  pod,
  rawRequest,
  service,
  statusProblem,
  TABLE_ACCEPT,
  type RawReply,
  type Target,
  type WatchStream,
} from './support.js';

let c: TestCluster;
let nsCounter = 0;
const started = Date.now();

beforeAll(async () => {
  c = await startTestCluster();
});

afterAll(async () => {
  await c?.close(); // fails the suite if the server logged internal errors
  console.log(`semantics suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

// ------------------------------------------------------------------ helpers

interface Req {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  noAuth?: boolean;
}

/** One request; objects are sent as JSON (unless a Content-Type says otherwise), strings as they are. */
function send(r: Req): Promise<RawReply> {
  const body = r.body === undefined ? undefined : typeof r.body === 'string' || Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body);
  const headers = { ...(typeof r.body === 'object' && r.body !== null && !Buffer.isBuffer(r.body) ? { 'Content-Type': 'application/json' } : {}), ...(r.headers ?? {}) };
  return rawRequest(c, { method: r.method, path: r.path, body: body as string | Buffer | undefined, headers, noAuth: r.noAuth });
}

/** A request that must succeed (2xx); returns the parsed body. */
async function must(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> {
  const r = await send({ method, path, body, headers });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} → ${r.status}: ${r.text.slice(0, 500)}`);
  return r.body;
}

async function get(path: string): Promise<RawReply> {
  return send({ method: 'GET', path });
}

async function newNamespace(prefix = 's'): Promise<string> {
  const name = `${prefix}-${process.pid % 1000}-${++nsCounter}`;
  await must('POST', P.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

const mergePatch = { 'Content-Type': 'application/merge-patch+json' };
const jsonPatch = { 'Content-Type': 'application/json-patch+json' };
const strategicPatch = { 'Content-Type': 'application/strategic-merge-patch+json' };
const applyPatch = { 'Content-Type': 'application/apply-patch+yaml' };

const names = (list: any): string[] => (list.items as any[]).map((o) => o.metadata.name).sort();

/** The current store revision. */
async function storeRevision(): Promise<number> {
  return (await c.store.range({ key: '/registry/', rangeEnd: '/registry0', countOnly: true })).header.revision;
}

interface T {
  ns: string;
  /** Values a setup hands to the request and the assertions. */
  v: Record<string, any>;
}

interface Row {
  name: string;
  setup?: (t: T) => Promise<void>;
  request: (t: T) => Req;
  status: number;
  reason?: string;
  expect?: (body: any, t: T, reply: RawReply) => void | Promise<void>;
}

function table(title: string, rows: Row[]): void {
  describe(title, () => {
    for (const row of rows) {
      it(row.name, async () => {
        const t: T = { ns: await newNamespace(), v: {} };
        await row.setup?.(t);
        const req = row.request(t);
        const reply = await send(req);
        const where = `${req.method} ${req.path} → ${reply.status} ${reply.text.slice(0, 600)}`;
        expect(reply.status, where).toBe(row.status);
        if (row.status >= 400) expect(statusProblem(reply.status, reply.body), where).toBeUndefined();
        if (row.reason) expect(reply.body?.reason, where).toBe(row.reason);
        await row.expect?.(reply.body, t, reply);
      });
    }
  });
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function inServiceCidr(ip: string): boolean {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts[0] === 10 && parts[1] === 96 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255);
}

// ------------------------------------------------------------------ create

table('create', [
  {
    name: 'fills server metadata: uid, creationTimestamp, string resourceVersion, generation 1 for a Deployment',
    request: (t) => ({ method: 'POST', path: P.deployments(t.ns), body: deployment('web') }),
    status: 201,
    expect: (b, t) => {
      expect(b.apiVersion).toBe('apps/v1');
      expect(b.kind).toBe('Deployment');
      expect(b.metadata.name).toBe('web');
      expect(b.metadata.namespace).toBe(t.ns);
      expect(b.metadata.uid).toMatch(UUID);
      expect(b.metadata.creationTimestamp).toMatch(RFC3339);
      expect(typeof b.metadata.resourceVersion).toBe('string');
      expect(b.metadata.resourceVersion).toMatch(/^[1-9]\d*$/);
      expect(b.metadata.generation).toBe(1);
    },
  },
  {
    name: 'generateName gets a random 5-character suffix',
    request: (t) => ({ method: 'POST', path: P.configmaps(t.ns), body: { ...configMap(''), metadata: { generateName: 'gen-' } } }),
    status: 201,
    expect: async (b, t) => {
      expect(b.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(b.metadata.generateName).toBe('gen-');
      expect((await get(P.configmap(t.ns, b.metadata.name))).status).toBe(200);
    },
  },
  {
    name: 'defaults a Deployment: strategy, revisionHistoryLimit, progressDeadlineSeconds, pod and container defaults',
    request: (t) => ({ method: 'POST', path: P.deployments(t.ns), body: deployment('defaults') }),
    status: 201,
    expect: (b) => {
      expect(b.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
      expect(b.spec.revisionHistoryLimit).toBe(10);
      expect(b.spec.progressDeadlineSeconds).toBe(600);
      const podSpec = b.spec.template.spec;
      expect(podSpec.restartPolicy).toBe('Always');
      expect(podSpec.dnsPolicy).toBe('ClusterFirst');
      expect(podSpec.terminationGracePeriodSeconds).toBe(30);
      expect(podSpec.schedulerName).toBe('default-scheduler');
      const ctr = podSpec.containers[0];
      expect(ctr.imagePullPolicy).toBe('IfNotPresent'); // tagged, not :latest
      expect(ctr.terminationMessagePath).toBe('/dev/termination-log');
      expect(ctr.terminationMessagePolicy).toBe('File');
      expect(ctr.ports[0].protocol).toBe('TCP');
    },
  },
  {
    name: 'imagePullPolicy defaults to Always for an untagged or :latest image',
    request: (t) => ({
      method: 'POST',
      path: P.deployments(t.ns),
      body: deployment('pull', {
        containers: [
          { name: 'a', image: 'nginx' },
          { name: 'b', image: 'nginx:latest' },
          { name: 'c', image: 'registry.local:5000/nginx@sha256:' + 'a'.repeat(64) },
        ],
      }),
    }),
    status: 201,
    expect: (b) => {
      const policies = b.spec.template.spec.containers.map((x: any) => x.imagePullPolicy);
      expect(policies).toEqual(['Always', 'Always', 'IfNotPresent']);
    },
  },
  {
    name: 'a Service gets a ClusterIP in 10.96.0.0/16 and its ports default to TCP',
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('svc') }),
    status: 201,
    expect: (b) => {
      expect(b.spec.type).toBe('ClusterIP');
      expect(inServiceCidr(b.spec.clusterIP), b.spec.clusterIP).toBe(true);
      expect(b.spec.clusterIP).not.toBe('10.96.0.0');
      expect(b.spec.clusterIPs).toEqual([b.spec.clusterIP]);
      expect(b.spec.ports[0].protocol).toBe('TCP');
      expect(b.spec.ports[0].targetPort).toBe(80);
      expect(b.spec.sessionAffinity).toBe('None');
    },
  },
  {
    name: 'a NodePort Service gets a node port in 30000-32767',
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('np', { type: 'NodePort' }) }),
    status: 201,
    expect: (b) => {
      const port = b.spec.ports[0].nodePort;
      expect(Number.isInteger(port)).toBe(true);
      expect(port).toBeGreaterThanOrEqual(30000);
      expect(port).toBeLessThanOrEqual(32767);
      expect(inServiceCidr(b.spec.clusterIP)).toBe(true);
    },
  },
  {
    name: 'status is reset on create (Deployment)',
    request: (t) => ({ method: 'POST', path: P.deployments(t.ns), body: { ...deployment('st'), status: { replicas: 5, readyReplicas: 5, observedGeneration: 9 } } }),
    status: 201,
    expect: async (b, t) => {
      expect(b.status?.replicas).toBeUndefined();
      expect(b.status?.observedGeneration).toBeUndefined();
      expect((await get(P.deployment(t.ns, 'st'))).body.status?.readyReplicas).toBeUndefined();
    },
  },
  {
    name: 'status is reset on create (Pod starts Pending whatever the body says)',
    request: (t) => ({ method: 'POST', path: P.pods(t.ns), body: { ...pod('p'), status: { phase: 'Running', podIP: '10.0.0.9' } } }),
    status: 201,
    expect: (b) => {
      expect(b.status.phase).toBe('Pending');
      expect(b.status.podIP).toBeUndefined();
    },
  },
  {
    name: 'validation failure is 422 Invalid with the field path in details.causes',
    request: (t) => ({ method: 'POST', path: P.deployments(t.ns), body: deployment('noimage', { containers: [{ name: 'web' }] }) }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => {
      expect(b.details.kind).toBe('Deployment');
      expect(b.details.group).toBe('apps');
      expect(b.details.name).toBe('noimage');
      const fields = b.details.causes.map((x: any) => x.field);
      expect(fields).toContain('spec.template.spec.containers[0].image');
      expect(b.message).toContain('Deployment.apps "noimage" is invalid');
    },
  },
  {
    name: 'a selector that does not match the template labels is 422',
    request: (t) => {
      const d = deployment('mismatch');
      d.spec.template.metadata.labels = { app: 'other' };
      return { method: 'POST', path: P.deployments(t.ns), body: d };
    },
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('spec.template.metadata.labels'),
  },
  {
    name: 'a Deployment without a spec is 422 (selector and template are required)',
    request: (t) => ({ method: 'POST', path: P.deployments(t.ns), body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nospec' } } }),
    status: 422,
    reason: 'Invalid',
    expect: async (b, t) => {
      const fields = b.details.causes.map((x: any) => x.field);
      expect(fields).toContain('spec.selector');
      expect(fields).toContain('spec.template');
      expect((await get(P.deployment(t.ns, 'nospec'))).status).toBe(404);
    },
  },
  {
    name: 'a Pod without a spec is 422 (spec.containers is required)',
    request: (t) => ({ method: 'POST', path: P.pods(t.ns), body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nospec' } } }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('spec.containers'),
  },
  {
    name: 'a ClusterIP Service without ports is 422 (spec.ports is required)',
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'noports' }, spec: { selector: { app: 'x' } } } }),
    status: 422,
    reason: 'Invalid',
    expect: async (b, t) => {
      expect(b.details.causes.map((x: any) => x.field)).toContain('spec.ports');
      expect((await get(P.service(t.ns, 'noports'))).status).toBe(404);
    },
  },
  {
    name: 'a ConfigMap data key that is not a valid config key is 422',
    request: (t) => ({ method: 'POST', path: P.configmaps(t.ns), body: configMap('keys', { data: { 'bad key!': 'v' } }) }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('data[bad key!]'),
  },
  {
    name: 'a Secret data key that is not a valid config key is 422',
    request: (t) => ({ method: 'POST', path: P.secrets(t.ns), body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, data: { 'a/b': Buffer.from('v').toString('base64') } } }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('data[a/b]'),
  },
  {
    name: 'an invalid name is 422 with a metadata.name cause',
    request: (t) => ({ method: 'POST', path: P.configmaps(t.ns), body: configMap('Bad_Name') }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('metadata.name'),
  },
  {
    name: 'a missing name (and no generateName) is 422',
    request: (t) => ({ method: 'POST', path: P.configmaps(t.ns), body: { ...configMap('x'), metadata: {} } }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('metadata.name'),
  },
  {
    name: 'creating an existing name is 409 AlreadyExists',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('dup'))),
    request: (t) => ({ method: 'POST', path: P.deployments(t.ns), body: deployment('dup') }),
    status: 409,
    reason: 'AlreadyExists',
    expect: (b) => {
      expect(b.message).toBe('deployments.apps "dup" already exists');
      expect(b.details).toMatchObject({ name: 'dup', group: 'apps', kind: 'deployments' });
    },
  },
  {
    name: 'an apiVersion that does not match the URL is 400',
    request: (t) => ({ method: 'POST', path: P.deployments(t.ns), body: { ...deployment('v'), apiVersion: 'apps/v1beta1' } }),
    status: 400,
    reason: 'BadRequest',
  },
  {
    name: 'a kind that does not match the URL is 400',
    request: (t) => ({ method: 'POST', path: P.deployments(t.ns), body: { ...deployment('k'), kind: 'StatefulSet' } }),
    status: 400,
    reason: 'BadRequest',
  },
  {
    name: 'a body namespace that differs from the URL is 400',
    request: (t) => ({ method: 'POST', path: P.configmaps(t.ns), body: { ...configMap('m'), metadata: { name: 'm', namespace: 'default' } } }),
    status: 400,
    reason: 'BadRequest',
    expect: (b) => expect(b.message).toContain('does not match the namespace'),
  },
  {
    name: 'creating in a namespace that does not exist is 404',
    request: () => ({ method: 'POST', path: P.configmaps('no-such-namespace'), body: configMap('m') }),
    status: 404,
    reason: 'NotFound',
    expect: (b) => expect(b.message).toBe('namespaces "no-such-namespace" not found'),
  },
  {
    name: 'creating in a terminating namespace is 403 Forbidden',
    setup: async (t) => {
      // A finalizer keeps the namespace in Terminating.
      await must('POST', P.configmaps(t.ns), configMap('held', { finalizers: ['example.com/hold'] }));
      await must('DELETE', P.namespace(t.ns));
    },
    request: (t) => ({ method: 'POST', path: P.configmaps(t.ns), body: configMap('late') }),
    status: 403,
    reason: 'Forbidden',
    expect: (b, t) => expect(b.message).toContain(`unable to create new content in namespace ${t.ns} because it is being terminated`),
  },
  {
    name: 'a Namespace is created Active with the kubernetes finalizer',
    request: () => ({ method: 'POST', path: P.namespaces, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `fresh-${nsCounter}` } } }),
    status: 201,
    expect: (b) => {
      expect(b.status.phase).toBe('Active');
      expect(b.spec.finalizers).toEqual(['kubernetes']);
      expect(b.metadata.namespace).toBeUndefined();
    },
  },
]);

// ------------------------------------------------------------------ get / list

async function seedLabelled(t: T): Promise<void> {
  await must('POST', P.configmaps(t.ns), configMap('a', { labels: { env: 'prod', tier: 'fe' } }));
  await must('POST', P.configmaps(t.ns), configMap('b', { labels: { env: 'dev', tier: 'be' } }));
  await must('POST', P.configmaps(t.ns), configMap('c', { labels: { env: 'prod' } }));
  await must('POST', P.configmaps(t.ns), configMap('d'));
}

function selectorRow(selector: string, want: string[]): Row {
  return {
    name: `labelSelector ${selector} → ${want.join(',') || '(none)'}`,
    setup: seedLabelled,
    request: (t) => ({ method: 'GET', path: `${P.configmaps(t.ns)}?labelSelector=${encodeURIComponent(selector)}` }),
    status: 200,
    expect: (b) => {
      expect(b.kind).toBe('ConfigMapList');
      expect(names(b)).toEqual(want);
    },
  };
}

async function seedPods(t: T): Promise<void> {
  await must('POST', P.pods(t.ns), pod('on-node', { nodeName: 'node-a', labels: { app: 'x' } }));
  await must('POST', P.pods(t.ns), pod('pending', { labels: { app: 'y' } }));
}

function fieldRow(pathOf: (t: T) => string, selector: string, want: string[] | ((t: T) => string[]), seed: (t: T) => Promise<void> = seedLabelled): Row {
  return {
    name: `fieldSelector ${selector} on ${pathOf({ ns: '<ns>', v: {} })}`,
    setup: seed,
    request: (t) => ({ method: 'GET', path: `${pathOf(t)}?fieldSelector=${encodeURIComponent(selector.replace('<ns>', t.ns))}` }),
    status: 200,
    expect: (b, t) => {
      const items = (b.items as any[]).filter((o) => o.metadata.namespace === t.ns);
      expect(items.map((o) => o.metadata.name).sort()).toEqual(typeof want === 'function' ? want(t) : want);
    },
  };
}

table('get and list', [
  {
    name: 'a missing Deployment is 404 with the plural as details.kind',
    request: (t) => ({ method: 'GET', path: P.deployment(t.ns, 'x') }),
    status: 404,
    reason: 'NotFound',
    expect: (b) => {
      expect(b.message).toBe('deployments.apps "x" not found');
      expect(b.details).toEqual({ name: 'x', group: 'apps', kind: 'deployments' });
    },
  },
  {
    name: 'a missing Pod is 404 "pods \\"x\\" not found" (core group: no details.group)',
    request: (t) => ({ method: 'GET', path: P.pod(t.ns, 'x') }),
    status: 404,
    reason: 'NotFound',
    expect: (b) => {
      expect(b.message).toBe('pods "x" not found');
      expect(b.details).toEqual({ name: 'x', kind: 'pods' });
    },
  },
  {
    name: 'get returns the stored object with its resourceVersion',
    setup: async (t) => void (t.v.created = await must('POST', P.configmaps(t.ns), configMap('g'))),
    request: (t) => ({ method: 'GET', path: P.configmap(t.ns, 'g') }),
    status: 200,
    expect: (b, t) => {
      expect(b.kind).toBe('ConfigMap');
      expect(b.apiVersion).toBe('v1');
      expect(b.metadata.resourceVersion).toBe(t.v.created.metadata.resourceVersion);
      expect(b.metadata.uid).toBe(t.v.created.metadata.uid);
      expect(b.data).toEqual({ key: 'value' });
    },
  },
  selectorRow('env=prod', ['a', 'c']),
  selectorRow('env==prod', ['a', 'c']),
  selectorRow('env!=prod', ['b', 'd']),
  selectorRow('env in (dev,qa)', ['b']),
  selectorRow('env notin (prod)', ['b', 'd']),
  selectorRow('tier', ['a', 'b']),
  selectorRow('!tier', ['c', 'd']),
  selectorRow('env=prod,tier', ['a']),
  selectorRow('env=prod,!tier', ['c']),
  {
    name: 'a labelSelector with a syntax error is 400',
    request: (t) => ({ method: 'GET', path: `${P.configmaps(t.ns)}?labelSelector=${encodeURIComponent('env in (a')}` }),
    status: 400,
    reason: 'BadRequest',
  },
  fieldRow((t) => P.configmaps(t.ns), 'metadata.name=a', ['a']),
  fieldRow((t) => P.configmaps(t.ns), 'metadata.name!=a', ['b', 'c', 'd']),
  fieldRow(() => '/api/v1/configmaps', 'metadata.namespace=<ns>', ['a', 'b', 'c', 'd']),
  fieldRow(() => '/api/v1/configmaps', 'metadata.namespace=<ns>,metadata.name=c', ['c']),
  fieldRow((t) => P.pods(t.ns), 'spec.nodeName=node-a', ['on-node'], seedPods),
  fieldRow((t) => P.pods(t.ns), 'spec.nodeName=', ['pending'], seedPods),
  fieldRow((t) => P.pods(t.ns), 'status.phase=Pending', ['on-node', 'pending'], seedPods),
  fieldRow((t) => P.pods(t.ns), 'status.phase!=Pending', [], seedPods),
  fieldRow(() => '/api/v1/pods', 'spec.nodeName=node-a', ['on-node'], seedPods),
  {
    name: 'labelSelector and fieldSelector together',
    setup: seedPods,
    request: (t) => ({ method: 'GET', path: `${P.pods(t.ns)}?labelSelector=app%3Dy&fieldSelector=status.phase%3DPending` }),
    status: 200,
    expect: (b) => expect(names(b)).toEqual(['pending']),
  },
  {
    name: 'an unsupported field selector is 400 "field label not supported"',
    request: (t) => ({ method: 'GET', path: `${P.pods(t.ns)}?fieldSelector=spec.foo%3Dx` }),
    status: 400,
    reason: 'BadRequest',
    expect: (b) => expect(b.message).toContain('field label not supported: spec.foo'),
  },
  {
    name: 'limit/continue: the pages together are the whole list, without duplicates',
    setup: async (t) => {
      for (const n of ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']) await must('POST', P.configmaps(t.ns), configMap(n));
    },
    request: (t) => ({ method: 'GET', path: `${P.configmaps(t.ns)}?limit=3` }),
    status: 200,
    expect: async (first, t) => {
      const seen: string[] = [];
      let page = first;
      let pages = 0;
      for (;;) {
        pages++;
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((o: any) => o.metadata.name));
        const token = page.metadata.continue;
        if (!token) break;
        expect(page.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
        page = await must('GET', `${P.configmaps(t.ns)}?limit=3&continue=${encodeURIComponent(token)}`);
        expect(pages).toBeLessThan(10);
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    },
  },
  {
    name: 'limit larger than the list: no continue token',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('only'))),
    request: (t) => ({ method: 'GET', path: `${P.configmaps(t.ns)}?limit=10` }),
    status: 200,
    expect: (b) => {
      expect(names(b)).toEqual(['only']);
      expect(b.metadata.continue ?? '').toBe('');
    },
  },
  {
    name: 'paging is a consistent snapshot: page 2 ignores objects created, deleted or changed after page 1',
    setup: async (t) => {
      for (const n of ['b', 'c', 'd', 'e']) await must('POST', P.configmaps(t.ns), configMap(n, { data: { v: 'old' } }));
      const page1 = await must('GET', `${P.configmaps(t.ns)}?limit=2`);
      expect(names(page1)).toEqual(['b', 'c']);
      t.v.page1 = page1;
      await must('POST', P.configmaps(t.ns), configMap('z-new'));
      await must('DELETE', P.configmap(t.ns, 'e'));
      await must('PATCH', P.configmap(t.ns, 'd'), { data: { v: 'new' } }, mergePatch);
    },
    request: (t) => ({ method: 'GET', path: `${P.configmaps(t.ns)}?limit=2&continue=${encodeURIComponent(t.v.page1.metadata.continue)}` }),
    status: 200,
    expect: (b, t) => {
      expect(names(b)).toEqual(['d', 'e']);
      expect(b.items.find((o: any) => o.metadata.name === 'd').data.v).toBe('old');
      expect(b.metadata.resourceVersion).toBe(t.v.page1.metadata.resourceVersion);
      expect(b.metadata.continue ?? '').toBe('');
    },
  },
  {
    name: 'a continue token from before a compaction is 410 Expired',
    setup: async (t) => {
      for (const n of ['a', 'b', 'c']) await must('POST', P.configmaps(t.ns), configMap(n));
      t.v.page1 = await must('GET', `${P.configmaps(t.ns)}?limit=1`);
      await must('POST', P.configmaps(t.ns), configMap('later'));
      await c.store.compact(await storeRevision());
    },
    request: (t) => ({ method: 'GET', path: `${P.configmaps(t.ns)}?limit=1&continue=${encodeURIComponent(t.v.page1.metadata.continue)}` }),
    status: 410,
    reason: 'Expired',
    expect: (b) => expect(b.message).toMatch(/continue/),
  },
  {
    name: 'a garbage continue token is 400',
    request: (t) => ({ method: 'GET', path: `${P.configmaps(t.ns)}?limit=1&continue=not-a-token` }),
    status: 400,
    reason: 'BadRequest',
  },
  {
    name: 'a list carries the store revision as metadata.resourceVersion',
    setup: async (t) => void (t.v.cm = await must('POST', P.configmaps(t.ns), configMap('rv'))),
    request: (t) => ({ method: 'GET', path: P.configmaps(t.ns) }),
    status: 200,
    expect: (b, t) => {
      expect(b.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(Number(b.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(t.v.cm.metadata.resourceVersion));
      expect(b.items[0].metadata.resourceVersion).toBe(t.v.cm.metadata.resourceVersion);
      expect(b.items[0].kind).toBe('ConfigMap');
      expect(b.items[0].apiVersion).toBe('v1');
    },
  },
  {
    name: 'a namespaced list holds only that namespace; /api/v1/pods holds all namespaces',
    setup: async (t) => {
      t.v.other = await newNamespace('other');
      await must('POST', P.pods(t.ns), pod('here'));
      await must('POST', P.pods(t.v.other), pod('there'));
      const mine = await must('GET', P.pods(t.ns));
      expect(names(mine)).toEqual(['here']);
    },
    request: () => ({ method: 'GET', path: '/api/v1/pods' }),
    status: 200,
    expect: (b, t) => {
      expect(b.kind).toBe('PodList');
      const found = (b.items as any[]).filter((o) => o.metadata.namespace === t.ns || o.metadata.namespace === t.v.other);
      expect(found.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([`${t.ns}/here`, `${t.v.other}/there`].sort());
    },
  },
  {
    name: 'listing in a namespace that does not exist is an empty list (as kube answers)',
    request: () => ({ method: 'GET', path: P.pods('no-such-namespace') }),
    status: 200,
    expect: (b) => {
      expect(b.kind).toBe('PodList');
      expect(b.items).toEqual([]);
    },
  },
  {
    name: 'a cluster-scoped resource under a namespace path is 404',
    request: (t) => ({ method: 'GET', path: `/api/v1/namespaces/${t.ns}/nodes` }),
    status: 404,
    reason: 'NotFound',
  },
  {
    name: 'a cluster-scoped object (Node) is created without a namespace',
    request: (t) => ({ method: 'POST', path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${t.ns}`, namespace: 'ignored' } } }),
    status: 201,
    expect: async (b, t) => {
      expect(b.metadata.namespace).toBeUndefined();
      expect((await get(`/api/v1/nodes/node-${t.ns}`)).status).toBe(200);
    },
  },
  {
    name: 'all-namespaces list of Deployments at /apis/apps/v1/deployments',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('everywhere'))),
    request: () => ({ method: 'GET', path: '/apis/apps/v1/deployments' }),
    status: 200,
    expect: (b, t) => {
      expect(b.kind).toBe('DeploymentList');
      expect((b.items as any[]).some((o) => o.metadata.namespace === t.ns && o.metadata.name === 'everywhere')).toBe(true);
    },
  },
]);

// ------------------------------------------------------------------ update

table('update (PUT)', [
  {
    name: 'a stale resourceVersion is 409 Conflict',
    setup: async (t) => {
      t.v.old = await must('POST', P.configmaps(t.ns), configMap('u'));
      await must('PUT', P.configmap(t.ns, 'u'), { ...t.v.old, data: { key: 'second' } });
    },
    request: (t) => ({ method: 'PUT', path: P.configmap(t.ns, 'u'), body: { ...t.v.old, data: { key: 'stale' } } }),
    status: 409,
    reason: 'Conflict',
    expect: async (b, t) => {
      expect(b.message).toBe('Operation cannot be fulfilled on configmaps "u": the object has been modified; please apply your changes to the latest version and try again');
      expect((await get(P.configmap(t.ns, 'u'))).body.data.key).toBe('second');
    },
  },
  {
    name: 'no resourceVersion in the body: an unconditional update',
    setup: async (t) => {
      t.v.old = await must('POST', P.configmaps(t.ns), configMap('u'));
      await must('PUT', P.configmap(t.ns, 'u'), { ...t.v.old, data: { key: 'second' } });
    },
    request: (t) => {
      const { resourceVersion: _drop, ...meta } = t.v.old.metadata;
      return { method: 'PUT', path: P.configmap(t.ns, 'u'), body: { ...t.v.old, metadata: meta, data: { key: 'third' } } };
    },
    status: 200,
    expect: (b, t) => {
      expect(b.data.key).toBe('third');
      expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(t.v.old.metadata.resourceVersion));
    },
  },
  {
    name: 'changing labels and annotations does not bump generation',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('gen'))),
    request: (t) => ({
      method: 'PUT',
      path: P.deployment(t.ns, 'gen'),
      body: { ...t.v.d, metadata: { ...t.v.d.metadata, labels: { app: 'gen', extra: 'yes' }, annotations: { note: 'hi' } } },
    }),
    status: 200,
    expect: (b) => {
      expect(b.metadata.labels.extra).toBe('yes');
      expect(b.metadata.generation).toBe(1);
    },
  },
  {
    name: 'changing the spec bumps generation',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('gen'))),
    request: (t) => ({ method: 'PUT', path: P.deployment(t.ns, 'gen'), body: { ...t.v.d, spec: { ...t.v.d.spec, replicas: 3 } } }),
    status: 200,
    expect: (b) => {
      expect(b.spec.replicas).toBe(3);
      expect(b.metadata.generation).toBe(2);
    },
  },
  {
    name: 'PUT /status writes only status and does not bump generation',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('st'))),
    request: (t) => ({
      method: 'PUT',
      path: `${P.deployment(t.ns, 'st')}/status`,
      body: { ...t.v.d, metadata: { ...t.v.d.metadata, labels: { app: 'st', sneaky: 'yes' } }, spec: { ...t.v.d.spec, replicas: 7 }, status: { replicas: 1, observedGeneration: 1 } },
    }),
    status: 200,
    expect: async (b, t) => {
      expect(b.status.replicas).toBe(1);
      expect(b.spec.replicas).toBe(1);
      expect(b.metadata.generation).toBe(1);
      const now = (await get(P.deployment(t.ns, 'st'))).body;
      expect(now.spec.replicas).toBe(1);
      expect(now.status.replicas).toBe(1);
      expect(now.metadata.labels.sneaky).toBeUndefined();
    },
  },
  {
    name: 'PUT on the main resource ignores status changes',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('st'))),
    request: (t) => ({ method: 'PUT', path: P.deployment(t.ns, 'st'), body: { ...t.v.d, spec: { ...t.v.d.spec, replicas: 2 }, status: { replicas: 99 } } }),
    status: 200,
    expect: async (b, t) => {
      expect(b.spec.replicas).toBe(2);
      expect(b.status?.replicas).toBeUndefined();
      expect((await get(P.deployment(t.ns, 'st'))).body.status?.replicas).toBeUndefined();
    },
  },
  {
    name: 'a no-op update keeps the resourceVersion',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('noop'))),
    request: (t) => ({ method: 'PUT', path: P.deployment(t.ns, 'noop'), body: t.v.d }),
    status: 200,
    expect: async (b, t) => {
      expect(b.metadata.resourceVersion).toBe(t.v.d.metadata.resourceVersion);
      expect(b.metadata.generation).toBe(1);
      expect((await get(P.deployment(t.ns, 'noop'))).body.metadata.resourceVersion).toBe(t.v.d.metadata.resourceVersion);
    },
  },
  {
    name: "a pod's container image may change",
    setup: async (t) => void (t.v.p = await must('POST', P.pods(t.ns), pod('img'))),
    request: (t) => {
      const next = structuredClone(t.v.p);
      next.spec.containers[0].image = 'busybox:1.37';
      return { method: 'PUT', path: P.pod(t.ns, 'img'), body: next };
    },
    status: 200,
    expect: (b) => expect(b.spec.containers[0].image).toBe('busybox:1.37'),
  },
  ...(
    [
      ['container name', (s: any) => void (s.containers[0].name = 'renamed')],
      ['restartPolicy', (s: any) => void (s.restartPolicy = 'Never')],
      ['an added container', (s: any) => void s.containers.push({ name: 'side', image: 'busybox' })],
      ['container command', (s: any) => void (s.containers[0].command = ['sh'])],
    ] as const
  ).map(
    ([what, change]): Row => ({
      name: `a pod update that changes ${what} is 422`,
      setup: async (t) => void (t.v.p = await must('POST', P.pods(t.ns), pod('imm'))),
      request: (t) => {
        const next = structuredClone(t.v.p);
        change(next.spec);
        return { method: 'PUT', path: P.pod(t.ns, 'imm'), body: next };
      },
      status: 422,
      reason: 'Invalid',
      expect: (b) => {
        expect(b.details.kind).toBe('Pod');
        expect(b.message).toContain('pod updates may not change fields other than');
      },
    }),
  ),
  {
    name: 'an immutable ConfigMap rejects a data change with 422',
    setup: async (t) => void (t.v.cm = await must('POST', P.configmaps(t.ns), { ...configMap('frozen'), immutable: true })),
    request: (t) => ({ method: 'PUT', path: P.configmap(t.ns, 'frozen'), body: { ...t.v.cm, data: { key: 'changed' } } }),
    status: 422,
    reason: 'Invalid',
    expect: async (b, t) => {
      expect(b.details.causes.map((x: any) => x.field)).toContain('data');
      expect((await get(P.configmap(t.ns, 'frozen'))).body.data.key).toBe('value');
    },
  },
  {
    name: "a Secret's type cannot change (422)",
    setup: async (t) => void (t.v.s = await must('POST', P.secrets(t.ns), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'typed' }, data: { a: b64('x') } })),
    request: (t) => ({ method: 'PUT', path: P.secret(t.ns, 'typed'), body: { ...t.v.s, type: 'kubernetes.io/basic-auth' } }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('type'),
  },
  {
    name: 'PUT pods/status sets the phase and leaves the spec alone',
    setup: async (t) => void (t.v.p = await must('POST', P.pods(t.ns), pod('st'))),
    request: (t) => {
      const next = structuredClone(t.v.p);
      next.spec.containers[0].image = 'sneaky:1';
      next.status = { ...next.status, phase: 'Running', podIP: '10.244.0.7' };
      return { method: 'PUT', path: `${P.pod(t.ns, 'st')}/status`, body: next };
    },
    status: 200,
    expect: async (b, t) => {
      expect(b.status.phase).toBe('Running');
      expect(b.spec.containers[0].image).toBe('busybox:1.36');
      const now = (await get(P.pod(t.ns, 'st'))).body;
      expect(now.status.podIP).toBe('10.244.0.7');
      expect(now.spec.containers[0].image).toBe('busybox:1.36');
    },
  },
  {
    name: 'a name in the body that differs from the URL is 400',
    setup: async (t) => void (t.v.cm = await must('POST', P.configmaps(t.ns), configMap('url-name'))),
    request: (t) => ({ method: 'PUT', path: P.configmap(t.ns, 'url-name'), body: { ...t.v.cm, metadata: { ...t.v.cm.metadata, name: 'other' } } }),
    status: 400,
    reason: 'BadRequest',
  },
  {
    name: 'updating an object that does not exist is 404',
    request: (t) => ({ method: 'PUT', path: P.configmap(t.ns, 'ghost'), body: configMap('ghost') }),
    status: 404,
    reason: 'NotFound',
  },
]);

// ------------------------------------------------------------------ patch

table('patch', [
  {
    name: 'merge patch adds a label and keeps the others',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('mp'))),
    request: (t) => ({ method: 'PATCH', path: P.deployment(t.ns, 'mp'), body: JSON.stringify({ metadata: { labels: { added: 'yes' } } }), headers: mergePatch }),
    status: 200,
    expect: (b) => {
      expect(b.metadata.labels).toEqual({ app: 'mp', added: 'yes' });
      expect(b.metadata.generation).toBe(1);
    },
  },
  {
    name: 'merge patch with null removes a key',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('mp', { data: { a: '1', b: '2' } }))),
    request: (t) => ({ method: 'PATCH', path: P.configmap(t.ns, 'mp'), body: JSON.stringify({ data: { a: null } }), headers: mergePatch }),
    status: 200,
    expect: (b) => expect(b.data).toEqual({ b: '2' }),
  },
  {
    name: 'merge patch replaces lists whole (containers lose their ports)',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('mpl'))),
    request: (t) => ({
      method: 'PATCH',
      path: P.deployment(t.ns, 'mpl'),
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } }),
      headers: mergePatch,
    }),
    status: 200,
    expect: (b) => {
      expect(b.spec.template.spec.containers[0].image).toBe('nginx:1.26');
      expect(b.spec.template.spec.containers[0].ports).toBeUndefined();
      expect(b.metadata.generation).toBe(2);
    },
  },
  {
    name: 'json patch replace',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('jp'))),
    request: (t) => ({ method: 'PATCH', path: P.deployment(t.ns, 'jp'), body: JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 4 }]), headers: jsonPatch }),
    status: 200,
    expect: (b) => {
      expect(b.spec.replicas).toBe(4);
      expect(b.metadata.generation).toBe(2);
    },
  },
  {
    name: 'json patch with a passing test op applies',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('jpt'))),
    request: (t) => ({
      method: 'PATCH',
      path: P.deployment(t.ns, 'jpt'),
      body: JSON.stringify([
        { op: 'test', path: '/spec/replicas', value: 1 },
        { op: 'add', path: '/metadata/labels/tested', value: 'yes' },
      ]),
      headers: jsonPatch,
    }),
    status: 200,
    expect: (b) => expect(b.metadata.labels.tested).toBe('yes'),
  },
  {
    name: 'json patch with a failing test op is 422 and changes nothing',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('jpf'))),
    request: (t) => ({
      method: 'PATCH',
      path: P.deployment(t.ns, 'jpf'),
      body: JSON.stringify([
        { op: 'test', path: '/spec/replicas', value: 9 },
        { op: 'replace', path: '/spec/replicas', value: 5 },
      ]),
      headers: jsonPatch,
    }),
    status: 422,
    reason: 'Invalid',
    expect: async (_b, t) => {
      const now = (await get(P.deployment(t.ns, 'jpf'))).body;
      expect(now.spec.replicas).toBe(1);
      expect(now.metadata.resourceVersion).toBe(t.v.d.metadata.resourceVersion);
    },
  },
  {
    name: 'json patch removing a path that does not exist is 422',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('jpr'))),
    request: (t) => ({ method: 'PATCH', path: P.configmap(t.ns, 'jpr'), body: JSON.stringify([{ op: 'remove', path: '/data/nope' }]), headers: jsonPatch }),
    status: 422,
    reason: 'Invalid',
  },
  {
    name: 'strategic merge patch merges containers by name: ports survive an image change',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('smp'))),
    request: (t) => ({
      method: 'PATCH',
      path: P.deployment(t.ns, 'smp'),
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } }),
      headers: strategicPatch,
    }),
    status: 200,
    expect: (b) => {
      const ctrs = b.spec.template.spec.containers;
      expect(ctrs).toHaveLength(1);
      expect(ctrs[0].image).toBe('nginx:1.26');
      expect(ctrs[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
      expect(b.metadata.generation).toBe(2);
    },
  },
  {
    name: 'strategic merge patch adds a container with a new name',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('smpa'))),
    request: (t) => ({
      method: 'PATCH',
      path: P.deployment(t.ns, 'smpa'),
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } }),
      headers: strategicPatch,
    }),
    status: 200,
    expect: (b) => expect(b.spec.template.spec.containers.map((x: any) => x.name).sort()).toEqual(['sidecar', 'web']),
  },
  {
    name: 'strategic merge patch $setElementOrder reorders containers while patching one',
    setup: async (t) =>
      void (await must(
        'POST',
        P.deployments(t.ns),
        deployment('order', {
          containers: [
            { name: 'a', image: 'nginx:1', ports: [{ containerPort: 80 }] },
            { name: 'b', image: 'redis:7' },
          ],
        }),
      )),
    request: (t) => ({
      method: 'PATCH',
      path: P.deployment(t.ns, 'order'),
      body: JSON.stringify({
        spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', image: 'nginx:2' }] } } },
      }),
      headers: strategicPatch,
    }),
    status: 200,
    expect: (b) => {
      const ctrs = b.spec.template.spec.containers;
      expect(ctrs.map((x: any) => x.name)).toEqual(['b', 'a']);
      expect(ctrs[1].image).toBe('nginx:2');
      expect(ctrs[1].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
      expect(ctrs[0].image).toBe('redis:7');
    },
  },
  {
    name: 'strategic merge patch $patch: delete removes one container',
    setup: async (t) =>
      void (await must(
        'POST',
        P.deployments(t.ns),
        deployment('del', {
          containers: [
            { name: 'a', image: 'nginx:1' },
            { name: 'b', image: 'redis:7' },
          ],
        }),
      )),
    request: (t) => ({
      method: 'PATCH',
      path: P.deployment(t.ns, 'del'),
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } } } }),
      headers: strategicPatch,
    }),
    status: 200,
    expect: (b) => expect(b.spec.template.spec.containers.map((x: any) => x.name)).toEqual(['b']),
  },
  {
    name: 'server-side apply creates a missing object (201) and records the manager',
    request: (t) => ({
      method: 'PATCH',
      path: `${P.configmap(t.ns, 'ssa')}?fieldManager=alice`,
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  labels:\n    owner: alice\ndata:\n  a: "1"\n',
      headers: applyPatch,
    }),
    status: 201,
    expect: async (b, t) => {
      expect(b.data).toEqual({ a: '1' });
      expect(b.metadata.namespace).toBe(t.ns);
      const managers = (b.metadata.managedFields ?? []).map((m: any) => `${m.manager}/${m.operation}`);
      expect(managers).toContain('alice/Apply');
      expect((await get(P.configmap(t.ns, 'ssa'))).status).toBe(200);
    },
  },
  {
    name: 'server-side apply updates an object it applied before',
    setup: async (t) =>
      void (await must('PATCH', `${P.deployment(t.ns, 'ssa')}?fieldManager=alice`, JSON.stringify(deployment('ssa')), applyPatch)),
    request: (t) => ({
      method: 'PATCH',
      path: `${P.deployment(t.ns, 'ssa')}?fieldManager=alice`,
      body: JSON.stringify(deployment('ssa', { replicas: 3 })),
      headers: applyPatch,
    }),
    status: 200,
    expect: (b) => {
      expect(b.spec.replicas).toBe(3);
      expect(b.metadata.generation).toBe(2);
    },
  },
  {
    name: 're-applying the same configuration is a no-op: same resourceVersion, same managedFields time',
    setup: async (t) => {
      const first = await must('PATCH', `${P.configmap(t.ns, 'same')}?fieldManager=alice`, JSON.stringify(configMap('same', { data: { k: 'v' } })), applyPatch);
      t.v.rv = first.metadata.resourceVersion;
      t.v.time = first.metadata.managedFields[0].time;
    },
    request: (t) => ({
      method: 'PATCH',
      path: `${P.configmap(t.ns, 'same')}?fieldManager=alice`,
      body: JSON.stringify(configMap('same', { data: { k: 'v' } })),
      headers: applyPatch,
    }),
    status: 200,
    expect: (b, t) => {
      expect(b.metadata.resourceVersion).toBe(t.v.rv);
      expect(b.metadata.managedFields.find((m: { manager: string }) => m.manager === 'alice').time).toBe(t.v.time);
    },
  },
  {
    name: 're-applying without a field removes that field',
    setup: async (t) =>
      void (await must(
        'PATCH',
        `${P.configmap(t.ns, 'drop')}?fieldManager=alice`,
        JSON.stringify({ ...configMap('drop', { data: { keep: '1', gone: '2' } }), metadata: { name: 'drop', annotations: { a: '1', b: '2' } } }),
        applyPatch,
      )),
    request: (t) => ({
      method: 'PATCH',
      path: `${P.configmap(t.ns, 'drop')}?fieldManager=alice`,
      body: JSON.stringify({ ...configMap('drop', { data: { keep: '1' } }), metadata: { name: 'drop', annotations: { a: '1' } } }),
      headers: applyPatch,
    }),
    status: 200,
    expect: (b) => {
      expect(b.data).toEqual({ keep: '1' });
      expect(b.metadata.annotations).toEqual({ a: '1' });
    },
  },
  {
    name: 'two apply managers setting one field differently: 409 Conflict',
    setup: async (t) =>
      void (await must('PATCH', `${P.configmap(t.ns, 'fight')}?fieldManager=alice`, JSON.stringify(configMap('fight', { data: { k: 'alice' } })), applyPatch)),
    request: (t) => ({
      method: 'PATCH',
      path: `${P.configmap(t.ns, 'fight')}?fieldManager=bob`,
      body: JSON.stringify(configMap('fight', { data: { k: 'bob' } })),
      headers: applyPatch,
    }),
    status: 409,
    reason: 'Conflict',
    expect: async (b, t) => {
      expect(b.message).toContain('alice');
      expect(b.details?.causes?.[0]?.reason).toBe('FieldManagerConflict');
      expect((await get(P.configmap(t.ns, 'fight'))).body.data.k).toBe('alice');
    },
  },
  {
    name: 'the same apply with force=true takes the field over',
    setup: async (t) =>
      void (await must('PATCH', `${P.configmap(t.ns, 'fight')}?fieldManager=alice`, JSON.stringify(configMap('fight', { data: { k: 'alice' } })), applyPatch)),
    request: (t) => ({
      method: 'PATCH',
      path: `${P.configmap(t.ns, 'fight')}?fieldManager=bob&force=true`,
      body: JSON.stringify(configMap('fight', { data: { k: 'bob' } })),
      headers: applyPatch,
    }),
    status: 200,
    expect: (b) => {
      expect(b.data.k).toBe('bob');
      const bob = b.metadata.managedFields.find((m: any) => m.manager === 'bob');
      expect(bob?.operation).toBe('Apply');
    },
  },
  {
    name: 'apply without fieldManager is 400',
    request: (t) => ({ method: 'PATCH', path: P.configmap(t.ns, 'nofm'), body: JSON.stringify(configMap('nofm')), headers: applyPatch }),
    status: 400,
    reason: 'BadRequest',
  },
  {
    name: 'a patch carrying a stale metadata.resourceVersion is 409',
    setup: async (t) => {
      t.v.old = await must('POST', P.configmaps(t.ns), configMap('prv'));
      await must('PATCH', P.configmap(t.ns, 'prv'), JSON.stringify({ data: { key: 'moved' } }), mergePatch);
    },
    request: (t) => ({
      method: 'PATCH',
      path: P.configmap(t.ns, 'prv'),
      body: JSON.stringify({ metadata: { resourceVersion: t.v.old.metadata.resourceVersion }, data: { key: 'stale' } }),
      headers: mergePatch,
    }),
    status: 409,
    reason: 'Conflict',
    expect: async (_b, t) => expect((await get(P.configmap(t.ns, 'prv'))).body.data.key).toBe('moved'),
  },
  {
    name: 'a patch carrying the current metadata.resourceVersion applies',
    setup: async (t) => void (t.v.cur = await must('POST', P.configmaps(t.ns), configMap('prv'))),
    request: (t) => ({
      method: 'PATCH',
      path: P.configmap(t.ns, 'prv'),
      body: JSON.stringify({ metadata: { resourceVersion: t.v.cur.metadata.resourceVersion }, data: { key: 'ok' } }),
      headers: strategicPatch,
    }),
    status: 200,
    expect: (b) => expect(b.data.key).toBe('ok'),
  },
  {
    name: 'merge patch of /status changes status only',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('ps'))),
    request: (t) => ({
      method: 'PATCH',
      path: `${P.deployment(t.ns, 'ps')}/status`,
      body: JSON.stringify({ spec: { replicas: 8 }, status: { replicas: 1, readyReplicas: 1 } }),
      headers: mergePatch,
    }),
    status: 200,
    expect: (b) => {
      expect(b.status.readyReplicas).toBe(1);
      expect(b.spec.replicas).toBe(1);
      expect(b.metadata.generation).toBe(1);
    },
  },
  {
    name: 'merge patch of status on the main resource is ignored',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('pm'))),
    request: (t) => ({ method: 'PATCH', path: P.deployment(t.ns, 'pm'), body: JSON.stringify({ status: { replicas: 5 } }), headers: mergePatch }),
    status: 200,
    expect: (b) => expect(b.status?.replicas).toBeUndefined(),
  },
  {
    name: 'a patch that changes nothing keeps the resourceVersion',
    setup: async (t) => void (t.v.cm = await must('POST', P.configmaps(t.ns), configMap('same', { labels: { a: '1' } }))),
    request: (t) => ({ method: 'PATCH', path: P.configmap(t.ns, 'same'), body: JSON.stringify({ metadata: { labels: { a: '1' } } }), headers: strategicPatch }),
    status: 200,
    expect: (b, t) => expect(b.metadata.resourceVersion).toBe(t.v.cm.metadata.resourceVersion),
  },
  {
    name: 'PATCH with Content-Type application/json is 415',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('ct'))),
    request: (t) => ({ method: 'PATCH', path: P.configmap(t.ns, 'ct'), body: JSON.stringify({ data: {} }), headers: { 'Content-Type': 'application/json' } }),
    status: 415,
    reason: 'UnsupportedMediaType',
  },
  {
    name: 'patching a missing object is 404',
    request: (t) => ({ method: 'PATCH', path: P.configmap(t.ns, 'ghost'), body: JSON.stringify({ data: {} }), headers: mergePatch }),
    status: 404,
    reason: 'NotFound',
  },
  {
    name: 'a json patch replacing the whole object with a string is rejected and writes nothing',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('wipe'))),
    request: (t) => ({ method: 'PATCH', path: P.deployment(t.ns, 'wipe'), body: JSON.stringify([{ op: 'replace', path: '', value: 'str' }]), headers: jsonPatch }),
    status: 422,
    expect: async (_b, t) => {
      const now = (await get(P.deployment(t.ns, 'wipe'))).body;
      expect(now.spec?.replicas).toBe(1);
      expect(now.metadata.resourceVersion).toBe(t.v.d.metadata.resourceVersion);
    },
  },
  {
    name: 'a merge patch setting spec to null on a Deployment is 422 and writes nothing',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('nullspec'))),
    request: (t) => ({ method: 'PATCH', path: P.deployment(t.ns, 'nullspec'), body: JSON.stringify({ spec: null }), headers: mergePatch }),
    status: 422,
    reason: 'Invalid',
    expect: async (_b, t) => expect((await get(P.deployment(t.ns, 'nullspec'))).body.spec?.replicas).toBe(1),
  },
  {
    name: 'a patch that makes the object invalid is 422 and writes nothing',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('inv'))),
    request: (t) => ({ method: 'PATCH', path: P.deployment(t.ns, 'inv'), body: JSON.stringify({ spec: { replicas: -1 } }), headers: mergePatch }),
    status: 422,
    reason: 'Invalid',
    expect: async (b, t) => {
      expect(b.details.causes.map((x: any) => x.field)).toContain('spec.replicas');
      expect((await get(P.deployment(t.ns, 'inv'))).body.spec.replicas).toBe(1);
    },
  },
]);

// ------------------------------------------------------------------ delete

const deletedOrStatus = (b: any, name: string): void => {
  // kube answers a finished delete with a Success Status (or, for some kinds, the object).
  if (b.kind === 'Status') {
    expect(b.status).toBe('Success');
    expect(b.details?.name).toBe(name);
  } else expect(b.metadata.name).toBe(name);
};

table('delete', [
  {
    name: 'DELETE with a DeleteOptions body (propagationPolicy Background) removes the object',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('gone'))),
    request: (t) => ({ method: 'DELETE', path: P.deployment(t.ns, 'gone'), body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } }),
    status: 200,
    expect: async (b, t) => {
      deletedOrStatus(b, 'gone');
      expect((await get(P.deployment(t.ns, 'gone'))).status).toBe(404);
    },
  },
  {
    name: 'DELETE with gracePeriodSeconds in the body removes a ConfigMap at once',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('gone'))),
    request: (t) => ({ method: 'DELETE', path: P.configmap(t.ns, 'gone'), body: { gracePeriodSeconds: 0 } }),
    status: 200,
    expect: async (b, t) => {
      deletedOrStatus(b, 'gone');
      expect((await get(P.configmap(t.ns, 'gone'))).status).toBe(404);
    },
  },
  {
    name: 'a uid precondition that does not match is 409 and deletes nothing',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('pre'))),
    request: (t) => ({ method: 'DELETE', path: P.configmap(t.ns, 'pre'), body: { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } } }),
    status: 409,
    reason: 'Conflict',
    expect: async (b, t) => {
      expect(b.message).toContain('Precondition failed: UID in precondition');
      expect((await get(P.configmap(t.ns, 'pre'))).status).toBe(200);
    },
  },
  {
    name: 'a resourceVersion precondition that does not match is 409',
    setup: async (t) => {
      t.v.old = await must('POST', P.configmaps(t.ns), configMap('pre'));
      await must('PATCH', P.configmap(t.ns, 'pre'), JSON.stringify({ data: { k: 'v2' } }), mergePatch);
    },
    request: (t) => ({ method: 'DELETE', path: P.configmap(t.ns, 'pre'), body: { preconditions: { resourceVersion: t.v.old.metadata.resourceVersion } } }),
    status: 409,
    reason: 'Conflict',
    expect: async (b, t) => {
      expect(b.message).toContain('Precondition failed: ResourceVersion in precondition');
      expect((await get(P.configmap(t.ns, 'pre'))).status).toBe(200);
    },
  },
  {
    name: 'matching uid and resourceVersion preconditions delete',
    setup: async (t) => void (t.v.cm = await must('POST', P.configmaps(t.ns), configMap('pre'))),
    request: (t) => ({
      method: 'DELETE',
      path: P.configmap(t.ns, 'pre'),
      body: { preconditions: { uid: t.v.cm.metadata.uid, resourceVersion: t.v.cm.metadata.resourceVersion } },
    }),
    status: 200,
    expect: async (_b, t) => expect((await get(P.configmap(t.ns, 'pre'))).status).toBe(404),
  },
  {
    name: 'an object with a finalizer gets a deletionTimestamp and stays',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('fin', { finalizers: ['example.com/hold'] }))),
    request: (t) => ({ method: 'DELETE', path: P.configmap(t.ns, 'fin') }),
    status: 200,
    expect: async (b, t) => {
      expect(b.metadata.deletionTimestamp).toMatch(RFC3339);
      expect(b.metadata.finalizers).toEqual(['example.com/hold']);
      const still = await get(P.configmap(t.ns, 'fin'));
      expect(still.status).toBe(200);
      expect(still.body.metadata.deletionTimestamp).toBe(b.metadata.deletionTimestamp);
    },
  },
  {
    name: 'removing the last finalizer by update makes the deleted object disappear',
    setup: async (t) => {
      await must('POST', P.configmaps(t.ns), configMap('fin', { finalizers: ['example.com/hold'] }));
      t.v.deleting = await must('DELETE', P.configmap(t.ns, 'fin'));
    },
    request: (t) => ({ method: 'PUT', path: P.configmap(t.ns, 'fin'), body: { ...t.v.deleting, metadata: { ...t.v.deleting.metadata, finalizers: [] } } }),
    status: 200,
    expect: async (_b, t) => {
      await eventually('the finalized ConfigMap is gone', async () => (await get(P.configmap(t.ns, 'fin'))).status === 404);
    },
  },
  {
    name: 'removing the last finalizer by merge patch makes the deleted object disappear',
    setup: async (t) => {
      await must('POST', P.configmaps(t.ns), configMap('fin', { finalizers: ['example.com/hold'] }));
      await must('DELETE', P.configmap(t.ns, 'fin'));
    },
    request: (t) => ({ method: 'PATCH', path: P.configmap(t.ns, 'fin'), body: JSON.stringify({ metadata: { finalizers: null } }), headers: mergePatch }),
    status: 200,
    expect: async (_b, t) => {
      await eventually('the finalized ConfigMap is gone', async () => (await get(P.configmap(t.ns, 'fin'))).status === 404);
    },
  },
  {
    name: 'propagationPolicy Foreground adds the foregroundDeletion finalizer',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('fg'))),
    request: (t) => ({ method: 'DELETE', path: P.deployment(t.ns, 'fg'), body: { propagationPolicy: 'Foreground' } }),
    status: 200,
    expect: async (b, t) => {
      expect(b.metadata.finalizers).toContain('foregroundDeletion');
      expect(b.metadata.deletionTimestamp).toMatch(RFC3339);
      const still = (await get(P.deployment(t.ns, 'fg'))).body;
      expect(still.metadata.finalizers).toContain('foregroundDeletion');
    },
  },
  {
    name: 'propagationPolicy Orphan adds the orphan finalizer',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('orph'))),
    request: (t) => ({ method: 'DELETE', path: `${P.deployment(t.ns, 'orph')}?propagationPolicy=Orphan` }),
    status: 200,
    expect: async (b, t) => {
      expect(b.metadata.finalizers).toContain('orphan');
      expect((await get(P.deployment(t.ns, 'orph'))).body.metadata.finalizers).toContain('orphan');
    },
  },
  {
    name: 'an invalid propagationPolicy is 400',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('pp'))),
    request: (t) => ({ method: 'DELETE', path: P.configmap(t.ns, 'pp'), body: { propagationPolicy: 'Sideways' } }),
    status: 400,
    reason: 'BadRequest',
    expect: async (_b, t) => expect((await get(P.configmap(t.ns, 'pp'))).status).toBe(200),
  },
  {
    name: 'a pod on a node is deleted gracefully: deletionTimestamp set, still there',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('grace', { nodeName: 'node-a' }))),
    request: (t) => ({ method: 'DELETE', path: P.pod(t.ns, 'grace') }),
    status: 200,
    expect: async (b, t) => {
      expect(b.metadata.deletionTimestamp).toMatch(RFC3339);
      expect(b.metadata.deletionGracePeriodSeconds).toBe(30);
      const still = await get(P.pod(t.ns, 'grace'));
      expect(still.status).toBe(200);
      expect(still.body.metadata.deletionTimestamp).toBeDefined();
    },
  },
  {
    name: 'deleting a terminating pod again with gracePeriodSeconds=0 removes it',
    setup: async (t) => {
      await must('POST', P.pods(t.ns), pod('grace', { nodeName: 'node-a' }));
      await must('DELETE', P.pod(t.ns, 'grace'));
    },
    request: (t) => ({ method: 'DELETE', path: `${P.pod(t.ns, 'grace')}?gracePeriodSeconds=0` }),
    status: 200,
    expect: async (_b, t) => expect((await get(P.pod(t.ns, 'grace'))).status).toBe(404),
  },
  {
    name: 'an unscheduled pod is deleted at once',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('nowhere'))),
    request: (t) => ({ method: 'DELETE', path: P.pod(t.ns, 'nowhere') }),
    status: 200,
    expect: async (_b, t) => expect((await get(P.pod(t.ns, 'nowhere'))).status).toBe(404),
  },
  {
    name: 'deletecollection with a label selector deletes only the matching objects',
    setup: seedLabelled,
    request: (t) => ({ method: 'DELETE', path: `${P.configmaps(t.ns)}?labelSelector=env%3Dprod` }),
    status: 200,
    expect: async (_b, t) => expect(names(await must('GET', P.configmaps(t.ns)))).toEqual(['b', 'd']),
  },
  {
    name: 'deleting a missing object is 404',
    request: (t) => ({ method: 'DELETE', path: P.configmap(t.ns, 'ghost') }),
    status: 404,
    reason: 'NotFound',
    expect: (b) => expect(b.message).toBe('configmaps "ghost" not found'),
  },
]);

// ------------------------------------------------------------------ dryRun

table('dryRun=All', [
  {
    name: 'create: the answer shows the object, nothing is written',
    request: (t) => ({ method: 'POST', path: `${P.deployments(t.ns)}?dryRun=All`, body: deployment('dry') }),
    status: 201,
    expect: async (b, t) => {
      expect(b.metadata.name).toBe('dry');
      expect(b.spec.revisionHistoryLimit).toBe(10); // defaulted
      expect((await get(P.deployment(t.ns, 'dry'))).status).toBe(404);
      expect((await must('GET', P.deployments(t.ns))).items).toHaveLength(0);
    },
  },
  {
    name: 'create of a Service shows a ClusterIP without consuming it',
    setup: async (t) => {
      t.v.dry = await must('POST', `${P.services(t.ns)}?dryRun=All`, service('dry', { type: 'NodePort', ports: [{ port: 80, nodePort: 31234 }] }));
      expect(inServiceCidr(t.v.dry.spec.clusterIP)).toBe(true);
      expect((await get(P.service(t.ns, 'dry'))).status).toBe(404);
    },
    // The very IP and node port the dry run showed are still free.
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('real', { type: 'NodePort', clusterIP: t.v.dry.spec.clusterIP, ports: [{ port: 80, nodePort: 31234 }] }) }),
    status: 201,
    expect: (b, t) => {
      expect(b.spec.clusterIP).toBe(t.v.dry.spec.clusterIP);
      expect(b.spec.ports[0].nodePort).toBe(31234);
    },
  },
  {
    name: 'update: the answer shows the change, the stored object and its resourceVersion stay',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('dry'))),
    request: (t) => ({ method: 'PUT', path: `${P.deployment(t.ns, 'dry')}?dryRun=All`, body: { ...t.v.d, spec: { ...t.v.d.spec, replicas: 5 } } }),
    status: 200,
    expect: async (b, t) => {
      expect(b.spec.replicas).toBe(5);
      const now = (await get(P.deployment(t.ns, 'dry'))).body;
      expect(now.spec.replicas).toBe(1);
      expect(now.metadata.resourceVersion).toBe(t.v.d.metadata.resourceVersion);
      expect(now.metadata.generation).toBe(1);
    },
  },
  {
    name: 'patch: the answer shows the change, nothing is written',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('dry'))),
    request: (t) => ({ method: 'PATCH', path: `${P.deployment(t.ns, 'dry')}?dryRun=All`, body: JSON.stringify({ spec: { replicas: 6 } }), headers: mergePatch }),
    status: 200,
    expect: async (b, t) => {
      expect(b.spec.replicas).toBe(6);
      const now = (await get(P.deployment(t.ns, 'dry'))).body;
      expect(now.spec.replicas).toBe(1);
      expect(now.metadata.resourceVersion).toBe(t.v.d.metadata.resourceVersion);
    },
  },
  {
    name: 'server-side apply of a new object: 201, nothing is written',
    request: (t) => ({ method: 'PATCH', path: `${P.configmap(t.ns, 'dryssa')}?dryRun=All&fieldManager=alice`, body: JSON.stringify(configMap('dryssa')), headers: applyPatch }),
    status: 201,
    expect: async (_b, t) => expect((await get(P.configmap(t.ns, 'dryssa'))).status).toBe(404),
  },
  {
    name: 'delete: 200, the object is still there without a deletionTimestamp',
    setup: async (t) => void (t.v.cm = await must('POST', P.configmaps(t.ns), configMap('dry'))),
    request: (t) => ({ method: 'DELETE', path: `${P.configmap(t.ns, 'dry')}?dryRun=All` }),
    status: 200,
    expect: async (_b, t) => {
      const still = await get(P.configmap(t.ns, 'dry'));
      expect(still.status).toBe(200);
      expect(still.body.metadata.deletionTimestamp).toBeUndefined();
      expect(still.body.metadata.resourceVersion).toBe(t.v.cm.metadata.resourceVersion);
    },
  },
  {
    name: 'delete of a Service: its ClusterIP stays allocated',
    setup: async (t) => {
      t.v.svc = await must('POST', P.services(t.ns), service('keep'));
      await must('DELETE', `${P.service(t.ns, 'keep')}?dryRun=All`);
    },
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('thief', { clusterIP: t.v.svc.spec.clusterIP }) }),
    status: 422,
    reason: 'Invalid',
    expect: async (b, t) => {
      expect(b.details.causes.map((x: any) => x.field)).toContain('spec.clusterIP');
      expect((await get(P.service(t.ns, 'keep'))).status).toBe(200);
    },
  },
  {
    name: 'a dryRun value other than All is 400',
    request: (t) => ({ method: 'POST', path: `${P.configmaps(t.ns)}?dryRun=Maybe`, body: configMap('dry') }),
    status: 400,
    reason: 'BadRequest',
  },
]);

// ------------------------------------------------------------------ namespaces

table('namespaces', [
  ...['default', 'kube-system', 'kube-public', 'kube-node-lease'].map(
    (name): Row => ({
      name: `the ${name} namespace exists and is Active`,
      request: () => ({ method: 'GET', path: P.namespace(name) }),
      status: 200,
      expect: (b) => {
        expect(b.metadata.name).toBe(name);
        expect(b.status.phase).toBe('Active');
      },
    }),
  ),
  {
    name: 'deleting a namespace marks it Terminating, deletes its contents, then it disappears',
    setup: async (t) => {
      await must('POST', P.configmaps(t.ns), configMap('cm'));
      await must('POST', P.pods(t.ns), pod('p'));
      await must('POST', P.deployments(t.ns), deployment('d'));
      await must('POST', P.secrets(t.ns), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'b' } });
      await must('POST', P.services(t.ns), service('svc'));
    },
    request: (t) => ({ method: 'DELETE', path: P.namespace(t.ns) }),
    status: 200,
    expect: async (b, t) => {
      expect(b.metadata.name).toBe(t.ns);
      expect(b.status.phase).toBe('Terminating');
      expect(b.metadata.deletionTimestamp).toMatch(RFC3339);
      await eventually(`namespace ${t.ns} is gone`, async () => (await get(P.namespace(t.ns))).status === 404);
      for (const p of [P.configmaps(t.ns), P.pods(t.ns), P.deployments(t.ns), P.secrets(t.ns), P.services(t.ns)]) {
        const list = await get(p);
        expect(list.status === 404 || (list.status === 200 && list.body.items.length === 0), `${p}: ${list.text.slice(0, 300)}`).toBe(true);
      }
    },
  },
  {
    name: 'a namespace stays Terminating while content with a finalizer remains, and goes once it is released',
    setup: async (t) => {
      await must('POST', P.configmaps(t.ns), configMap('held', { finalizers: ['example.com/hold'] }));
      await must('POST', P.configmaps(t.ns), configMap('free'));
      await must('DELETE', P.namespace(t.ns));
      await eventually('the free ConfigMap is deleted', async () => (await get(P.configmap(t.ns, 'free'))).status === 404);
      const ns = (await get(P.namespace(t.ns))).body;
      expect(ns.status.phase).toBe('Terminating');
    },
    request: (t) => ({ method: 'PATCH', path: P.configmap(t.ns, 'held'), body: JSON.stringify({ metadata: { finalizers: null } }), headers: mergePatch }),
    status: 200,
    expect: async (_b, t) => {
      await eventually(`namespace ${t.ns} is gone`, async () => (await get(P.namespace(t.ns))).status === 404);
    },
  },
]);

// ------------------------------------------------------------------ services

table('services', [
  {
    name: 'twenty Services created at once all get different ClusterIPs',
    setup: async (t) => {
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => must('POST', P.services(t.ns), service(`s${i}`))));
      t.v.ips = created.map((s) => s.spec.clusterIP);
    },
    request: (t) => ({ method: 'GET', path: P.services(t.ns) }),
    status: 200,
    expect: (b, t) => {
      const listed = (b.items as any[]).map((s) => s.spec.clusterIP);
      expect(new Set(t.v.ips).size).toBe(20);
      expect(listed.sort()).toEqual([...t.v.ips].sort());
      for (const ip of listed) expect(inServiceCidr(ip), ip).toBe(true);
    },
  },
  {
    name: 'deleting a Service releases its ClusterIP: a new Service can ask for it',
    setup: async (t) => {
      t.v.ip = (await must('POST', P.services(t.ns), service('first'))).spec.clusterIP;
      await must('DELETE', P.service(t.ns, 'first'));
    },
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('second', { clusterIP: t.v.ip }) }),
    status: 201,
    expect: (b, t) => expect(b.spec.clusterIP).toBe(t.v.ip),
  },
  {
    name: 'asking for a ClusterIP in use is 422',
    setup: async (t) => void (t.v.ip = (await must('POST', P.services(t.ns), service('first'))).spec.clusterIP),
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('second', { clusterIP: t.v.ip }) }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('spec.clusterIP'),
  },
  {
    name: 'asking for a ClusterIP outside the service range is 422',
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('out', { clusterIP: '192.168.1.1' }) }),
    status: 422,
    reason: 'Invalid',
  },
  {
    name: 'asking for a NodePort in use is 422',
    setup: async (t) => void (await must('POST', P.services(t.ns), service('first', { type: 'NodePort', ports: [{ port: 80, nodePort: 30777 }] }))),
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('second', { type: 'NodePort', ports: [{ port: 80, nodePort: 30777 }] }) }),
    status: 422,
    reason: 'Invalid',
    expect: (b) => expect(b.details.causes.map((x: any) => x.field)).toContain('spec.ports[0].nodePort'),
  },
  {
    name: 'deleting a NodePort Service releases its node port',
    setup: async (t) => {
      await must('POST', P.services(t.ns), service('first', { type: 'NodePort', ports: [{ port: 80, nodePort: 30778 }] }));
      await must('DELETE', P.service(t.ns, 'first'));
    },
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('second', { type: 'NodePort', ports: [{ port: 80, nodePort: 30778 }] }) }),
    status: 201,
  },
  {
    name: 'clusterIP is immutable on update',
    setup: async (t) => void (t.v.svc = await must('POST', P.services(t.ns), service('imm'))),
    request: (t) => {
      const other = t.v.svc.spec.clusterIP === '10.96.200.200' ? '10.96.200.201' : '10.96.200.200';
      return { method: 'PUT', path: P.service(t.ns, 'imm'), body: { ...t.v.svc, spec: { ...t.v.svc.spec, clusterIP: other, clusterIPs: [other] } } };
    },
    status: 422,
    reason: 'Invalid',
    expect: async (b, t) => {
      expect(b.details.causes.map((x: any) => x.field)).toContain('spec.clusterIP');
      expect((await get(P.service(t.ns, 'imm'))).body.spec.clusterIP).toBe(t.v.svc.spec.clusterIP);
    },
  },
  {
    name: 'an update that leaves clusterIP out keeps it',
    setup: async (t) => void (t.v.svc = await must('POST', P.services(t.ns), service('keep'))),
    request: (t) => {
      const { clusterIP: _a, clusterIPs: _b, ...spec } = t.v.svc.spec;
      return { method: 'PUT', path: P.service(t.ns, 'keep'), body: { ...t.v.svc, spec: { ...spec, ports: [{ port: 8080 }] } } };
    },
    status: 200,
    expect: (b, t) => {
      expect(b.spec.clusterIP).toBe(t.v.svc.spec.clusterIP);
      expect(b.spec.ports[0].port).toBe(8080);
    },
  },
  {
    name: 'a headless Service keeps clusterIP None',
    request: (t) => ({ method: 'POST', path: P.services(t.ns), body: service('headless', { clusterIP: 'None' }) }),
    status: 201,
    expect: (b) => expect(b.spec.clusterIP).toBe('None'),
  },
]);

// ------------------------------------------------------------------ secrets

const PLAINTEXT = 'correct-horse-battery-staple-7f3a';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function rawSecret(ns: string, name: string): Promise<string> {
  const resp = await c.store.range({ key: `/registry/secrets/${ns}/${name}` });
  expect(resp.kvs).toHaveLength(1);
  return resp.kvs[0].value;
}

function expectSealed(raw: string): void {
  expect(raw).not.toContain(PLAINTEXT);
  expect(raw).not.toContain(b64(PLAINTEXT));
  expect(raw).not.toContain(b64(PLAINTEXT).replace(/=+$/, ''));
  expect(raw).not.toContain('correct-horse');
}

table('secrets', [
  {
    name: 'stringData becomes base64 data',
    request: (t) => ({ method: 'POST', path: P.secrets(t.ns), body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sd' }, stringData: { password: PLAINTEXT } } }),
    status: 201,
    expect: (b) => {
      expect(b.data).toEqual({ password: b64(PLAINTEXT) });
      expect(b.stringData).toBeUndefined();
      expect(b.type).toBe('Opaque');
    },
  },
  {
    name: 'the store never holds the plaintext nor its base64 (stringData)',
    setup: async (t) => void (await must('POST', P.secrets(t.ns), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sd' }, stringData: { password: PLAINTEXT } })),
    request: (t) => ({ method: 'GET', path: P.secret(t.ns, 'sd') }),
    status: 200,
    expect: async (b, t) => {
      expect(Buffer.from(b.data.password, 'base64').toString()).toBe(PLAINTEXT);
      expectSealed(await rawSecret(t.ns, 'sd'));
    },
  },
  {
    name: 'the store never holds the plaintext nor its base64 (data), also after an update',
    setup: async (t) => {
      const s = await must('POST', P.secrets(t.ns), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'd' }, data: { token: b64('first-value') } });
      await must('PUT', P.secret(t.ns, 'd'), { ...s, data: undefined, stringData: { token: PLAINTEXT } });
    },
    request: (t) => ({ method: 'GET', path: P.secrets(t.ns) }),
    status: 200,
    expect: async (b, t) => {
      expect(b.items[0].data.token).toBe(b64(PLAINTEXT));
      const raw = await rawSecret(t.ns, 'd');
      expectSealed(raw);
      expect(raw).not.toContain(b64('first-value'));
    },
  },
]);

// ------------------------------------------------------------------ subresources

table('subresources', [
  {
    name: 'GET scale: an autoscaling/v1 Scale with a string selector',
    setup: async (t) => void (t.v.d = await must('POST', P.deployments(t.ns), deployment('sc', { replicas: 2 }))),
    request: (t) => ({ method: 'GET', path: `${P.deployment(t.ns, 'sc')}/scale` }),
    status: 200,
    expect: (b, t) => {
      expect(b.kind).toBe('Scale');
      expect(b.apiVersion).toBe('autoscaling/v1');
      expect(b.metadata).toMatchObject({ name: 'sc', namespace: t.ns, uid: t.v.d.metadata.uid });
      expect(b.spec.replicas).toBe(2);
      expect(b.status.selector).toBe('app=sc');
    },
  },
  {
    name: 'PUT scale changes spec.replicas and bumps generation',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('sc'))),
    request: (t) => ({ method: 'PUT', path: `${P.deployment(t.ns, 'sc')}/scale`, body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'sc', namespace: t.ns }, spec: { replicas: 4 } } }),
    status: 200,
    expect: async (b, t) => {
      expect(b.kind).toBe('Scale');
      expect(b.spec.replicas).toBe(4);
      const d = (await get(P.deployment(t.ns, 'sc'))).body;
      expect(d.spec.replicas).toBe(4);
      expect(d.metadata.generation).toBe(2);
    },
  },
  {
    name: 'PATCH scale (merge patch, as kubectl scale sends it)',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('sc'))),
    request: (t) => ({ method: 'PATCH', path: `${P.deployment(t.ns, 'sc')}/scale`, body: JSON.stringify({ spec: { replicas: 3 } }), headers: mergePatch }),
    status: 200,
    expect: async (b, t) => {
      expect(b.spec.replicas).toBe(3);
      expect((await get(P.deployment(t.ns, 'sc'))).body.spec.replicas).toBe(3);
    },
  },
  {
    name: 'PUT scale with a stale resourceVersion is 409',
    setup: async (t) => {
      t.v.d = await must('POST', P.deployments(t.ns), deployment('sc'));
      await must('PATCH', P.deployment(t.ns, 'sc'), JSON.stringify({ metadata: { labels: { x: 'y' } } }), mergePatch);
    },
    request: (t) => ({
      method: 'PUT',
      path: `${P.deployment(t.ns, 'sc')}/scale`,
      body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'sc', namespace: t.ns, resourceVersion: t.v.d.metadata.resourceVersion }, spec: { replicas: 9 } },
    }),
    status: 409,
    reason: 'Conflict',
    expect: async (_b, t) => expect((await get(P.deployment(t.ns, 'sc'))).body.spec.replicas).toBe(1),
  },
  {
    name: 'negative replicas through scale is 422',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('sc'))),
    request: (t) => ({ method: 'PATCH', path: `${P.deployment(t.ns, 'sc')}/scale`, body: JSON.stringify({ spec: { replicas: -2 } }), headers: mergePatch }),
    status: 422,
    reason: 'Invalid',
  },
  {
    name: 'a ConfigMap has no scale subresource: 404',
    setup: async (t) => void (await must('POST', P.configmaps(t.ns), configMap('cm'))),
    request: (t) => ({ method: 'GET', path: `${P.configmap(t.ns, 'cm')}/scale` }),
    status: 404,
    reason: 'NotFound',
  },
  {
    name: 'pods/binding sets spec.nodeName and the PodScheduled condition',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('bind'))),
    request: (t) => ({ method: 'POST', path: `${P.pod(t.ns, 'bind')}/binding`, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } } }),
    status: 201,
    expect: async (b, t) => {
      expect(b.kind).toBe('Status');
      expect(b.status).toBe('Success');
      const p = (await get(P.pod(t.ns, 'bind'))).body;
      expect(p.spec.nodeName).toBe('node-1');
      const cond = p.status.conditions.find((x: any) => x.type === 'PodScheduled');
      expect(cond?.status).toBe('True');
    },
  },
  {
    name: 'binding an already bound pod is 409',
    setup: async (t) => {
      await must('POST', P.pods(t.ns), pod('bind'));
      await must('POST', `${P.pod(t.ns, 'bind')}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind' }, target: { name: 'node-1' } });
    },
    request: (t) => ({ method: 'POST', path: `${P.pod(t.ns, 'bind')}/binding`, body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind' }, target: { name: 'node-2' } } }),
    status: 409,
    reason: 'Conflict',
    expect: async (_b, t) => expect((await get(P.pod(t.ns, 'bind'))).body.spec.nodeName).toBe('node-1'),
  },
  {
    name: 'pods/log of a pod with no node is 400 with a clear message',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('nolog'))),
    request: (t) => ({ method: 'GET', path: `${P.pod(t.ns, 'nolog')}/log` }),
    status: 400,
    reason: 'BadRequest',
    expect: (b) => {
      expect(b.message).toContain('nolog');
      expect(b.message).toMatch(/not scheduled|no host|host assigned|waiting to start/);
    },
  },
  {
    name: 'pods/log of a missing pod is 404',
    request: (t) => ({ method: 'GET', path: `${P.pod(t.ns, 'ghost')}/log` }),
    status: 404,
    reason: 'NotFound',
  },
  {
    name: 'pods/exec (POST, SPDY-style) is 400 with a Status',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('ex'))),
    request: (t) => ({ method: 'POST', path: `${P.pod(t.ns, 'ex')}/exec?command=true&container=main&stdout=true` }),
    status: 400,
    reason: 'BadRequest',
    expect: (b) => expect(b.message).toMatch(/exec/),
  },
  {
    name: 'pods/exec with a WebSocket upgrade is 400 with a Status',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('ex'))),
    request: (t) => ({
      method: 'GET',
      path: `${P.pod(t.ns, 'ex')}/exec?command=true&container=main&stdout=true`,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' },
    }),
    status: 400,
    reason: 'BadRequest',
  },
]);

// ------------------------------------------------------------------ discovery and tables

table('discovery', [
  {
    name: '/api is APIVersions with v1',
    request: () => ({ method: 'GET', path: '/api' }),
    status: 200,
    expect: (b) => {
      expect(b.kind).toBe('APIVersions');
      expect(b.versions).toContain('v1');
    },
  },
  {
    name: '/apis is an APIGroupList with apps/v1',
    request: () => ({ method: 'GET', path: '/apis' }),
    status: 200,
    expect: (b) => {
      expect(b.kind).toBe('APIGroupList');
      const apps = b.groups.find((g: any) => g.name === 'apps');
      expect(apps.versions).toContainEqual({ groupVersion: 'apps/v1', version: 'v1' });
      expect(apps.preferredVersion).toEqual({ groupVersion: 'apps/v1', version: 'v1' });
    },
  },
  {
    name: '/api/v1 lists pods (short name po, category all) and its subresources',
    request: () => ({ method: 'GET', path: '/api/v1' }),
    status: 200,
    expect: (b) => {
      expect(b.kind).toBe('APIResourceList');
      expect(b.groupVersion).toBe('v1');
      const pods = b.resources.find((r: any) => r.name === 'pods');
      expect(pods).toMatchObject({ singularName: 'pod', namespaced: true, kind: 'Pod' });
      expect(pods.shortNames).toContain('po');
      expect(pods.categories).toContain('all');
      expect([...pods.verbs].sort()).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
      const resourceNames = b.resources.map((r: any) => r.name);
      for (const n of ['pods/log', 'pods/status', 'pods/binding', 'namespaces', 'services', 'configmaps', 'secrets']) expect(resourceNames).toContain(n);
      expect(b.resources.find((r: any) => r.name === 'namespaces').namespaced).toBe(false);
    },
  },
  {
    name: '/apis/apps/v1 lists deployments and deployments/scale (autoscaling/v1 Scale)',
    request: () => ({ method: 'GET', path: '/apis/apps/v1' }),
    status: 200,
    expect: (b) => {
      expect(b.kind).toBe('APIResourceList');
      expect(b.groupVersion).toBe('apps/v1');
      const d = b.resources.find((r: any) => r.name === 'deployments');
      expect(d.shortNames).toContain('deploy');
      expect(d.categories).toContain('all');
      const scale = b.resources.find((r: any) => r.name === 'deployments/scale');
      expect(scale).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    },
  },
  {
    name: '/apis/apps is an APIGroup',
    request: () => ({ method: 'GET', path: '/apis/apps' }),
    status: 200,
    expect: (b) => {
      expect(b.kind).toBe('APIGroup');
      expect(b.name).toBe('apps');
    },
  },
  {
    name: '/openapi/v2 is a protobuf document served as application/octet-stream',
    request: () => ({ method: 'GET', path: '/openapi/v2', headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } }),
    status: 200,
    expect: (_b, _t, r) => {
      expect(r.headers['content-type']).toBe('application/octet-stream');
      // Document.swagger (field 1) = "2.0"
      expect(Buffer.from(r.text, 'latin1').subarray(0, 5).toString('latin1')).toBe('\x0a\x032.0');
    },
  },
  {
    name: '/openapi/v3 is a 404 Status',
    request: () => ({ method: 'GET', path: '/openapi/v3' }),
    status: 404,
    reason: 'NotFound',
    expect: (b) => expect(b.message).toBe('the server could not find the requested resource'),
  },
  {
    name: 'an unknown group is a 404 Status',
    request: () => ({ method: 'GET', path: '/apis/nope.example.com/v1' }),
    status: 404,
    reason: 'NotFound',
  },
  {
    name: 'Table output for pods: columns and rows carrying PartialObjectMetadata',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('tab', { labels: { app: 'tab' } }))),
    request: (t) => ({ method: 'GET', path: `${P.pods(t.ns)}?limit=500`, headers: { Accept: TABLE_ACCEPT } }),
    status: 200,
    expect: (b, t) => {
      expect(b.kind).toBe('Table');
      expect(b.apiVersion).toBe('meta.k8s.io/v1');
      expect(b.metadata.resourceVersion).toMatch(/^\d+$/);
      const cols = b.columnDefinitions.map((x: any) => x.name);
      expect(cols.slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
      expect(cols).toContain('Node');
      expect(b.rows).toHaveLength(1);
      const row = b.rows[0];
      expect(row.cells[0]).toBe('tab');
      expect(row.cells).toHaveLength(cols.length);
      expect(row.object.kind).toBe('PartialObjectMetadata');
      expect(row.object.apiVersion).toBe('meta.k8s.io/v1');
      expect(row.object.metadata).toMatchObject({ name: 'tab', namespace: t.ns, labels: { app: 'tab' } });
      expect(row.object.metadata.uid).toMatch(UUID);
    },
  },
  {
    name: 'Table output for deployments',
    setup: async (t) => void (await must('POST', P.deployments(t.ns), deployment('tab', { replicas: 3 }))),
    request: (t) => ({ method: 'GET', path: P.deployments(t.ns), headers: { Accept: TABLE_ACCEPT } }),
    status: 200,
    expect: (b, t) => {
      expect(b.kind).toBe('Table');
      const cols = b.columnDefinitions.map((x: any) => x.name);
      expect(cols.slice(0, 5)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
      expect(b.rows[0].cells[0]).toBe('tab');
      expect(b.rows[0].cells[1]).toBe('0/3');
      expect(b.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'tab', namespace: t.ns } });
    },
  },
  {
    name: 'Table output for one object is a one-row Table',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('one'))),
    request: (t) => ({ method: 'GET', path: P.pod(t.ns, 'one'), headers: { Accept: TABLE_ACCEPT } }),
    status: 200,
    expect: (b) => {
      expect(b.kind).toBe('Table');
      expect(b.rows).toHaveLength(1);
      expect(b.rows[0].object.metadata.name).toBe('one');
    },
  },
  {
    name: 'a plain JSON Accept gets the list, not a Table',
    setup: async (t) => void (await must('POST', P.pods(t.ns), pod('plain'))),
    request: (t) => ({ method: 'GET', path: P.pods(t.ns), headers: { Accept: 'application/json' } }),
    status: 200,
    expect: (b) => expect(b.kind).toBe('PodList'),
  },
]);

// ------------------------------------------------------------------ auth

table('authentication', [
  {
    name: 'no token is 401 with a Status',
    request: () => ({ method: 'GET', path: '/api/v1/namespaces', noAuth: true }),
    status: 401,
    reason: 'Unauthorized',
  },
  {
    name: 'a wrong token is 401',
    request: () => ({ method: 'GET', path: '/api/v1/namespaces', noAuth: true, headers: { Authorization: 'Bearer not-the-token' } }),
    status: 401,
    reason: 'Unauthorized',
  },
  {
    name: 'basic auth is 401',
    request: () => ({ method: 'GET', path: '/api', noAuth: true, headers: { Authorization: `Basic ${b64('admin:admin')}` } }),
    status: 401,
    reason: 'Unauthorized',
  },
  {
    name: 'no token on a write is 401 and writes nothing',
    request: (t) => ({ method: 'POST', path: P.configmaps(t.ns), body: configMap('anon'), noAuth: true }),
    status: 401,
    reason: 'Unauthorized',
    expect: async (_b, t) => expect((await get(P.configmap(t.ns, 'anon'))).status).toBe(404),
  },
  {
    name: '/version works without a token',
    request: () => ({ method: 'GET', path: '/version?timeout=32s', noAuth: true }),
    status: 200,
    expect: (b) => {
      expect(b.major).toBe('1');
      expect(b.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    },
  },
  {
    name: '/healthz works without a token',
    request: () => ({ method: 'GET', path: '/healthz', noAuth: true }),
    status: 200,
    expect: (_b, _t, r) => expect(r.text).toBe('ok'),
  },
]);

// ------------------------------------------------------------------ watch

/** Events the watch cache keeps per resource (src/apiserver/watch-cache.ts RING). */
const WATCH_CACHE_WINDOW = 8192;

const evName = (e: { type: string; object: any }): string => `${e.type} ${e.object?.metadata?.name ?? ''}`;

describe('watch', () => {
  it('resourceVersion=N replays every change after N, in order, as newline-delimited JSON', async () => {
    const ns = await newNamespace('w');
    const before = await must('GET', P.configmaps(ns));
    const cm = await must('POST', P.configmaps(ns), configMap('a'));
    await must('PUT', P.configmap(ns, 'a'), { ...cm, data: { key: 'v2' } });
    await must('POST', P.configmaps(ns), configMap('b'));
    await must('DELETE', P.configmap(ns, 'a'));
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true&resourceVersion=${before.metadata.resourceVersion}`);
    try {
      expect(w.status).toBe(200);
      expect(w.headers['content-type']).toMatch(/^application\/json/);
      await w.event(3);
      expect(w.events.map(evName)).toEqual(['ADDED a', 'MODIFIED a', 'ADDED b', 'DELETED a']);
      const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
      expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
      expect(new Set(rvs).size).toBe(4);
      expect(rvs[0]).toBeGreaterThan(Number(before.metadata.resourceVersion));
      expect(w.events[1].object.data.key).toBe('v2');
      for (const e of w.events) {
        expect(e.object.kind).toBe('ConfigMap');
        expect(e.object.apiVersion).toBe('v1');
      }
      // Framing: one JSON document per line, each terminated by \n.
      const raw = w.raw();
      expect(raw.endsWith('\n')).toBe(true);
      const lines = raw.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(4);
      for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    } finally {
      w.close();
    }
  });

  it('without a resourceVersion the stream opens with ADDED for every existing object, then live changes', async () => {
    const ns = await newNamespace('w');
    await must('POST', P.configmaps(ns), configMap('x'));
    await must('POST', P.configmaps(ns), configMap('y'));
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true`);
    try {
      await w.event(1);
      expect(w.events.map(evName).sort()).toEqual(['ADDED x', 'ADDED y']);
      await must('PATCH', P.configmap(ns, 'x'), JSON.stringify({ data: { key: 'live' } }), mergePatch);
      const e = await w.event(2);
      expect(evName(e)).toBe('MODIFIED x');
      expect(e.object.data.key).toBe('live');
    } finally {
      w.close();
    }
  });

  it('resourceVersion=0 also starts with the current state', async () => {
    const ns = await newNamespace('w');
    await must('POST', P.configmaps(ns), configMap('z'));
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=1&resourceVersion=0`);
    try {
      expect(evName(await w.event(0))).toBe('ADDED z');
    } finally {
      w.close();
    }
  });

  it('label selector transitions: relabelled out is DELETED, relabelled in is ADDED', async () => {
    const ns = await newNamespace('w');
    const start = (await must('GET', P.configmaps(ns))).metadata.resourceVersion;
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true&resourceVersion=${start}&labelSelector=watched%3Dyes`);
    try {
      await must('POST', P.configmaps(ns), configMap('m', { labels: { watched: 'yes' } }));
      await must('POST', P.configmaps(ns), configMap('never', { labels: { watched: 'no' } }));
      await must('PATCH', P.configmap(ns, 'm'), JSON.stringify({ metadata: { labels: { watched: 'no' } } }), mergePatch);
      await must('PATCH', P.configmap(ns, 'm'), JSON.stringify({ data: { while: 'out' } }), mergePatch);
      await must('PATCH', P.configmap(ns, 'm'), JSON.stringify({ metadata: { labels: { watched: 'yes' } } }), mergePatch);
      await must('DELETE', P.configmap(ns, 'm'));
      await w.event(3);
      expect(w.events.map(evName)).toEqual(['ADDED m', 'DELETED m', 'ADDED m', 'DELETED m']);
      expect(w.events[2].object.data.while).toBe('out');
    } finally {
      w.close();
    }
  });

  it('a fieldSelector on metadata.name sees only that object', async () => {
    const ns = await newNamespace('w');
    const start = (await must('GET', P.configmaps(ns))).metadata.resourceVersion;
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true&resourceVersion=${start}&fieldSelector=metadata.name%3Done`);
    try {
      await must('POST', P.configmaps(ns), configMap('other'));
      await must('POST', P.configmaps(ns), configMap('one'));
      await must('DELETE', P.configmap(ns, 'one'));
      await w.event(1);
      expect(w.events.map(evName)).toEqual(['ADDED one', 'DELETED one']);
    } finally {
      w.close();
    }
  });

  it('an all-namespaces watch sees every namespace', async () => {
    const ns1 = await newNamespace('w');
    const ns2 = await newNamespace('w');
    const start = (await must('GET', '/api/v1/configmaps?limit=1')).metadata.resourceVersion;
    const w = await openWatch(c, `/api/v1/configmaps?watch=true&resourceVersion=${start}`);
    try {
      await must('POST', P.configmaps(ns1), configMap('in-1'));
      await must('POST', P.configmaps(ns2), configMap('in-2'));
      const seen = await eventually('both namespaces seen', async () => {
        const mine = w.events.filter((e) => e.object?.metadata?.namespace === ns1 || e.object?.metadata?.namespace === ns2);
        return mine.length >= 2 ? mine : undefined;
      });
      expect(seen.map((e) => `${e.object.metadata.namespace}/${e.object.metadata.name}`)).toEqual([`${ns1}/in-1`, `${ns2}/in-2`]);
    } finally {
      w.close();
    }
  });

  it('resuming from the last seen resourceVersion after a disconnect gets exactly the missed events', async () => {
    const ns = await newNamespace('w');
    const start = (await must('GET', P.configmaps(ns))).metadata.resourceVersion;
    const first = await openWatch(c, `${P.configmaps(ns)}?watch=true&resourceVersion=${start}`);
    await must('POST', P.configmaps(ns), configMap('r1'));
    await must('POST', P.configmaps(ns), configMap('r2'));
    await first.event(1);
    first.close();
    const last = first.events[1].object.metadata.resourceVersion;
    expect(first.events.map(evName)).toEqual(['ADDED r1', 'ADDED r2']);
    // Changes while disconnected.
    await must('PATCH', P.configmap(ns, 'r1'), JSON.stringify({ data: { key: 'x' } }), mergePatch);
    await must('DELETE', P.configmap(ns, 'r2'));
    await must('POST', P.configmaps(ns), configMap('r3'));
    const second = await openWatch(c, `${P.configmaps(ns)}?watch=true&resourceVersion=${last}`);
    try {
      await second.event(2);
      expect(second.events.map(evName)).toEqual(['MODIFIED r1', 'DELETED r2', 'ADDED r3']);
      // And nothing more (no duplicate of r1/r2's creation) once a later marker arrives.
      await must('POST', P.configmaps(ns), configMap('marker'));
      expect(evName(await second.event(3))).toBe('ADDED marker');
      expect(second.events).toHaveLength(4);
    } finally {
      second.close();
    }
  });

  it('after a compaction, a watch from a resourceVersion still inside the watch cache window is served (as kube-apiserver\'s cacher does)', async () => {
    const ns = await newNamespace('w');
    const old = (await must('POST', P.configmaps(ns), configMap('old'))).metadata.resourceVersion;
    await must('POST', P.configmaps(ns), configMap('newer'));
    await must('POST', P.configmaps(ns), configMap('newest'));
    await c.store.compact(await storeRevision());
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true&resourceVersion=${old}`);
    try {
      expect(w.status).toBe(200);
      await w.event(1);
      expect(w.events.map(evName)).toEqual(['ADDED newer', 'ADDED newest']);
    } finally {
      w.close();
    }
  });

  it('a watch from a resourceVersion older than the compaction and the watch cache window gets 410 Expired', async () => {
    const ns = await newNamespace('w');
    const old = (await must('POST', P.configmaps(ns), configMap('old'))).metadata.resourceVersion;
    // The watch cache keeps the last WATCH_CACHE_WINDOW events per resource
    // (like the cacher's window in kube-apiserver): push `old` out of it with
    // raw store writes to this namespace, then compact the store past it.
    const prefix = `/registry/configmaps/${ns}/`;
    const flood = WATCH_CACHE_WINDOW + 100;
    for (let i = 0; i < flood; i += 100) {
      const success = Array.from({ length: Math.min(100, flood - i) }, (_, j) => {
        const name = `flood-${String(i + j).padStart(5, '0')}`;
        return { put: { key: prefix + name, value: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, uid: `u-${i + j}` } }) } };
      });
      await c.store.txn({ compare: [], success });
    }
    await c.store.compact(await storeRevision());
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true&resourceVersion=${old}`);
    try {
      // kube-apiserver's cacher answers HTTP 200 and then an ERROR event
      // carrying the same 410 Status; gitplane answers with the HTTP status.
      expect(w.status, w.raw().slice(0, 300)).toBe(410);
      const body = await w.body();
      expect(statusProblem(410, body)).toBeUndefined();
      expect(body.reason).toBe('Expired');
      expect(body.message).toMatch(/too old resource version/);
    } finally {
      w.close();
      await c.store.deleteRange({ key: prefix, rangeEnd: prefix.slice(0, -1) + '0' });
    }
  });

  it('timeoutSeconds ends the stream', async () => {
    const ns = await newNamespace('w');
    const t0 = Date.now();
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true&timeoutSeconds=1`);
    try {
      expect(w.status).toBe(200);
      expect(await w.ended(8_000)).toBe(true);
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(8_000);
    } finally {
      w.close();
    }
  });

  it('headers arrive before any event', async () => {
    const ns = await newNamespace('w');
    const start = (await must('GET', P.configmaps(ns))).metadata.resourceVersion;
    // openWatch resolves on the response headers; nothing has happened in this namespace yet.
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true&resourceVersion=${start}`, {}, 3_000);
    try {
      expect(w.status).toBe(200);
      expect(w.headers['content-type']).toMatch(/^application\/json/);
      expect(w.events).toHaveLength(0);
      expect(w.raw()).toBe('');
      await must('POST', P.configmaps(ns), configMap('after-headers'));
      expect(evName(await w.event(0))).toBe('ADDED after-headers');
    } finally {
      w.close();
    }
  });

  it('a watch with a Table Accept streams one-row Tables, column definitions only in the first', async () => {
    const ns = await newNamespace('w');
    await must('POST', P.pods(ns), pod('t1'));
    const w = await openWatch(c, `${P.pods(ns)}?watch=true`, { Accept: TABLE_ACCEPT });
    try {
      const first = await w.event(0);
      expect(first.type).toBe('ADDED');
      expect(first.object.kind).toBe('Table');
      expect(first.object.columnDefinitions.length).toBeGreaterThan(0);
      expect(first.object.rows[0].object.metadata.name).toBe('t1');
      await must('POST', P.pods(ns), pod('t2'));
      const second = await w.event(1);
      expect(second.object.kind).toBe('Table');
      expect(second.object.columnDefinitions ?? []).toHaveLength(0);
      expect(second.object.rows[0].cells[0]).toBe('t2');
    } finally {
      w.close();
    }
  });

  it('allowWatchBookmarks is accepted on the default server (its 60 s bookmark interval is too long to wait for here)', async () => {
    const ns = await newNamespace('w');
    const w = await openWatch(c, `${P.configmaps(ns)}?watch=true&allowWatchBookmarks=true`);
    try {
      expect(w.status).toBe(200);
      await must('POST', P.configmaps(ns), configMap('bm'));
      expect(evName(await w.event(0))).toBe('ADDED bm');
    } finally {
      w.close();
    }
  });

  describe('bookmarks (a second API server over its own store, with a 100 ms bookmark interval)', () => {
    let dir: string;
    let store: Store;
    let api: ApiServer;
    let target: Target;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-bookmarks-'));
      store = await openStore({ backend: 'embedded', dir });
      api = await ApiServer.create({ store, bookmarkIntervalMs: 100, log: (m, e) => console.error('bookmark server:', m, e) });
      const l = await api.listen({ port: 0 });
      target = { url: l.url };
    });

    afterAll(async () => {
      await api?.close();
      await store?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('allowWatchBookmarks=true gets BOOKMARK events carrying only kind, apiVersion and resourceVersion', async () => {
      const created = await rawRequest(target, { method: 'POST', path: P.configmaps('default'), body: configMap('bm') });
      expect(created.status).toBe(201);
      const w = await openWatch(target, `${P.configmaps('default')}?watch=true&resourceVersion=${created.body.metadata.resourceVersion}&allowWatchBookmarks=true`);
      try {
        const e = await w.event(0, 5_000);
        expect(e.type).toBe('BOOKMARK');
        expect(e.object.kind).toBe('ConfigMap');
        expect(e.object.apiVersion).toBe('v1');
        expect(Number(e.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.body.metadata.resourceVersion));
        expect(e.object.metadata.name).toBeUndefined();
        expect(e.object.data).toBeUndefined();
      } finally {
        w.close();
      }
    });

    it('without allowWatchBookmarks there are no BOOKMARK events', async () => {
      const w = await openWatch(target, `${P.configmaps('default')}?watch=true&resourceVersion=0`);
      try {
        await w.event(0); // the existing ConfigMap
        // Absence needs a window: let five bookmark intervals pass, then a real change must be the next event.
        await new Promise((r) => setTimeout(r, 500));
        await rawRequest(target, { method: 'POST', path: P.configmaps('default'), body: configMap('after') });
        expect(evName(await w.event(1))).toBe('ADDED after');
        expect(w.events.filter((e) => e.type === 'BOOKMARK')).toHaveLength(0);
      } finally {
        w.close();
      }
    });
  });
});
