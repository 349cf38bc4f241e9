// The transport conformance suite: the typed client over each transport
// (in-process, and HTTP against the same handler served on 127.0.0.1:0) must
// behave the same — requests, JSON, StatusErrors, watches, logs, aborts.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStatusError, StatusError } from '../../../src/api/status.js';
import type { Pod } from '../../../src/api/generated/index.js';
import { createClient, type Client } from '../../../src/client/client.js';
import { isStatus } from '../../../src/client/errors.js';
import { httpTransport } from '../../../src/client/transport/http.js';
import { inProcessTransport } from '../../../src/client/transport/in-process.js';
import type { Transport } from '../../../src/client/transport/types.js';
import type { WatchEvent } from '../../../src/client/watch.js';
import { FakeApi, pod } from './support/fake-api.js';
import { serve, type TestServer } from './support/http-server.js';
import { settle, waitFor } from './support/wait.js';

interface Harness {
  transport: Transport;
  server?: TestServer;
  close(): Promise<void>;
}

const transports: Array<{ name: string; open(fake: FakeApi): Promise<Harness> }> = [
  {
    name: 'in-process',
    async open(fake) {
      const transport = inProcessTransport(fake.handler);
      return { transport, close: async () => transport.close() };
    },
  },
  {
    name: 'http',
    async open(fake) {
      const server = await serve(fake.handler);
      const transport = httpTransport({ server: server.url, token: 'sekret' });
      return {
        transport,
        server,
        close: async () => {
          transport.close();
          await server.close();
        },
      };
    },
  },
];

async function collect<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

async function expectStatus(promise: Promise<unknown>, code: number, reason: string): Promise<StatusError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StatusError);
  const se = err as StatusError;
  expect(se.code).toBe(code);
  expect(se.reason).toBe(reason);
  return se;
}

for (const t of transports) {
  describe(`client over the ${t.name} transport`, () => {
    let fake: FakeApi;
    let harness: Harness;
    let client: Client;

    beforeEach(async () => {
      fake = new FakeApi();
      harness = await t.open(fake);
      client = createClient(harness.transport, { fieldManager: 'test-manager' });
    });

    afterEach(async () => {
      fake.dropWatches();
      await harness.close();
    });

    it('creates, gets, updates, patches and deletes', async () => {
      const pods = client.pods.namespace('default');
      const created = await pods.create(pod('default', 'web') as Pod);
      expect(created.metadata.resourceVersion).toBeDefined();
      expect(created.metadata.uid).toBeDefined();
      const create = fake.requestsFor('POST', '/api/v1/namespaces/default/pods')[0];
      expect(create.headers['content-type']).toBe('application/json');
      expect(create.query.get('fieldManager')).toBe('test-manager');

      const got = await pods.get('web');
      expect(got).toEqual(created);

      const updated = await pods.update({ ...got, metadata: { ...got.metadata, labels: { a: 'b' } } });
      expect(updated.metadata.labels).toEqual({ a: 'b' });
      expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(got.metadata.resourceVersion));

      const withStatus = await pods.updateStatus({ ...updated, status: { phase: 'Running' } });
      expect(withStatus.status?.phase).toBe('Running');
      expect(fake.requestsFor('PUT', '/api/v1/namespaces/default/pods/web/status')).toHaveLength(1);

      const patched = await pods.patch('web', { metadata: { labels: { c: 'd' } } });
      expect(patched.metadata.labels).toEqual({ a: 'b', c: 'd' });

      const deleted = await pods.delete('web', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: created.metadata.uid } });
      expect(isStatus(deleted)).toBe(false);
      const del = fake.requestsFor('DELETE', '/api/v1/namespaces/default/pods/web')[0];
      expect(JSON.parse(del.body!)).toEqual({
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: 'Foreground',
        gracePeriodSeconds: 0,
        preconditions: { uid: created.metadata.uid },
      });
      await expectStatus(pods.get('web'), 404, 'NotFound');
    });

    it('uses the object namespace when the client is not scoped, and cluster paths for cluster-scoped kinds', async () => {
      await client.pods.create(pod('ns1', 'p') as Pod);
      expect(fake.requestsFor('POST', '/api/v1/namespaces/ns1/pods')).toHaveLength(1);
      await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } });
      expect(fake.requests.at(-1)!.path).toBe('/api/v1/namespaces');
      // namespace() is ignored for cluster-scoped kinds, as kubectl does.
      const ns = await client.namespaces.namespace('ignored').get('ns1');
      expect(ns.metadata.name).toBe('ns1');
      expect(fake.requests.at(-1)!.path).toBe('/api/v1/namespaces/ns1');
      await client.deployments.namespace('ns1').list();
      expect(fake.requests.at(-1)!.path).toBe('/apis/apps/v1/namespaces/ns1/deployments');
      await expectStatus(client.pods.get('p'), 400, 'BadRequest');
    });

    it('lists with selectors and pages, filling in apiVersion and kind of items', async () => {
      for (const name of ['a', 'b', 'c']) fake.put(pod('default', name, { labels: { app: name === 'c' ? 'other' : 'web' } }));
      fake.put(pod('kube-system', 'd', { labels: { app: 'web' } }));
      const all = await client.pods.list();
      expect(all.kind).toBe('PodList');
      expect(all.items.map((p) => p.metadata.name)).toEqual(['a', 'b', 'c', 'd']);
      expect(all.items.every((p) => p.apiVersion === 'v1' && p.kind === 'Pod')).toBe(true);

      const web = await client.pods.namespace('default').list({ labelSelector: { matchLabels: { app: 'web' } }, fieldSelector: { 'status.phase': 'Running' } });
      expect(web.items.map((p) => p.metadata.name)).toEqual(['a', 'b']);
      const sent = fake.requests.at(-1)!;
      expect(sent.query.get('labelSelector')).toBe('app=web');
      expect(sent.query.get('fieldSelector')).toBe('status.phase=Running');

      const page1 = await client.pods.namespace('default').list({ limit: 2 });
      expect(page1.items).toHaveLength(2);
      expect(page1.metadata.continue).toBeTruthy();
      const page2 = await client.pods.namespace('default').list({ limit: 2, continue: page1.metadata.continue });
      expect(page2.items.map((p) => p.metadata.name)).toEqual(['c']);
      expect(page2.metadata.continue).toBeUndefined();

      const joined = await client.pods.listAll({ pageSize: 1 });
      expect(joined.items).toHaveLength(4);
      expect(joined.metadata.resourceVersion).toBe(String(fake.rv));
    });

    it('turns Status bodies into StatusErrors with their reason, details and message', async () => {
      await client.pods.create(pod('default', 'dup') as Pod);
      const err = await expectStatus(client.pods.create(pod('default', 'dup') as Pod), 409, 'AlreadyExists');
      expect(err.message).toBe('pods "dup" already exists');
      expect(err.status.details).toEqual({ name: 'dup', kind: 'pods' });
      expect(isStatusError(err, 'AlreadyExists')).toBe(true);

      const current = await client.pods.namespace('default').get('dup');
      await expectStatus(client.pods.update({ ...current, metadata: { ...current.metadata, resourceVersion: '1' } }), 409, 'Conflict');
    });

    it('turns non-Status error bodies into StatusErrors carrying the text', async () => {
      fake.intercept = (r) => (r.path.endsWith('/text500') ? { status: 500, body: 'kaboom\n', contentType: 'text/plain' } : r.path.endsWith('/text404') ? { status: 404, body: 'page not found', contentType: 'text/plain' } : undefined);
      const e500 = await expectStatus(client.pods.namespace('default').get('text500'), 500, 'InternalError');
      expect(e500.message).toBe('kaboom');
      const e404 = await expectStatus(client.pods.namespace('default').get('text404'), 404, 'NotFound');
      expect(e404.message).toBe('page not found');
      fake.intercept = (r) => (r.path.endsWith('/garbage') ? { status: 200, body: '<html>', contentType: 'text/html' } : undefined);
      const bad = await expectStatus(client.pods.namespace('default').get('garbage'), 500, 'InternalError');
      expect(bad.message).toContain('not JSON');
    });

    it('answers a throwing handler with a 500 InternalError', async () => {
      const err = await expectStatus(client.raw('GET', '/boom'), 500, 'InternalError');
      expect(err.message).toContain('the handler blew up');
    });

    it('sends each patch type with its content type, and apply with fieldManager and force', async () => {
      fake.put(pod('default', 'p'));
      const pods = client.pods.namespace('default');
      await pods.patch('p', { metadata: { labels: { x: '1' } } }, 'merge');
      await pods.patch('p', { metadata: { labels: { y: '2' } } }, 'strategic', { dryRun: true });
      await pods.patch('p', { status: { phase: 'Running' } }, 'merge', { subresource: 'status' });
      await pods.apply(pod('default', 'p') as Pod, { force: true, fieldManager: 'gitops' });
      const patches = fake.requestsFor('PATCH', '/api/v1/namespaces/default/pods/p');
      expect(patches.map((r) => r.headers['content-type'])).toEqual([
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ]);
      expect(patches[1].query.get('dryRun')).toBe('All');
      expect(patches[2].path).toBe('/api/v1/namespaces/default/pods/p/status');
      expect(patches[3].query.get('fieldManager')).toBe('gitops');
      expect(patches[3].query.get('force')).toBe('true');
      await pods.patch('p', [{ op: 'add', path: '/metadata/labels/z', value: '3' }], 'json').catch(() => undefined);
      expect(fake.requests.at(-1)!.headers['content-type']).toBe('application/json-patch+json');
    });

    it('deletes a collection with a selector and dryRun', async () => {
      fake.put(pod('default', 'a', { labels: { app: 'x' } }));
      fake.put(pod('default', 'b', { labels: { app: 'y' } }));
      await client.pods.namespace('default').deleteCollection({ labelSelector: 'app=x', propagationPolicy: 'Background' });
      const req = fake.requests.at(-1)!;
      expect(req.method).toBe('DELETE');
      expect(req.path).toBe('/api/v1/namespaces/default/pods');
      expect(req.query.get('labelSelector')).toBe('app=x');
      expect(JSON.parse(req.body!).propagationPolicy).toBe('Background');
      expect((await client.pods.list()).items.map((p) => p.metadata.name)).toEqual(['b']);
    });

    it('binds pods, reads and updates scale', async () => {
      fake.put(pod('default', 'p'));
      await client.pods.namespace('default').bind('p', 'node-1');
      const binding = JSON.parse(fake.requestsFor('POST', '/api/v1/namespaces/default/pods/p/binding')[0].body!);
      expect(binding).toEqual({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p', namespace: 'default' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } });
      expect((await client.pods.namespace('default').get('p')).spec?.nodeName).toBe('node-1');

      fake.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: { replicas: 2 } });
      const deployments = client.deployments.namespace('default');
      expect((await deployments.getScale('d')).spec?.replicas).toBe(2);
      const scaled = await deployments.updateScale('d', 5);
      expect(scaled.spec?.replicas).toBe(5);
      expect((await deployments.get('d')).spec?.replicas).toBe(5);
    });

    it('reads logs as text, and follows them as lines until stopped', async () => {
      fake.put(pod('default', 'p'));
      fake.appendLog('default', 'p', 'one');
      fake.appendLog('default', 'p', 'two');
      const pods = client.pods.namespace('default');
      expect(await pods.logs('p', { tailLines: 10, container: 'c' })).toBe('one\ntwo\n');
      expect(fake.requests.at(-1)!.query.get('tailLines')).toBe('10');

      const stream = await pods.logs('p', { follow: true });
      const lines: string[] = [];
      const reading = (async () => {
        for await (const line of stream) lines.push(line);
      })();
      await waitFor(() => lines.length === 2, 'the existing lines');
      fake.appendLog('default', 'p', 'three ünïcode');
      await waitFor(() => lines.length === 3, 'a followed line');
      expect(lines).toEqual(['one', 'two', 'three ünïcode']);
      stream.stop();
      await reading;
      await waitFor(() => fake.logFollowerCount() === 0, 'the server to see the follower go');
    });

    it('watches: events in order, split across chunk boundaries, with apiVersion and kind', async () => {
      fake.chunkSize = 3; // every event arrives in 3-byte pieces, splitting lines and multi-byte characters
      const stream = await client.pods.watch({ resourceVersion: String(fake.rv), allowWatchBookmarks: true });
      expect(fake.requests.at(-1)!.query.get('watch')).toBe('true');
      expect(fake.requests.at(-1)!.query.get('allowWatchBookmarks')).toBe('true');
      const events = collect(stream, 4);
      fake.put(pod('default', 'a', { labels: { note: 'x' } }));
      fake.put({ ...pod('default', 'a'), metadata: { name: 'a', namespace: 'default', annotations: { says: 'grüß dich ✓' } } } as never);
      fake.bookmark();
      fake.remove('v1', 'Pod', 'default', 'a');
      const got = (await events) as Array<WatchEvent<Pod>>;
      expect(got.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'BOOKMARK', 'DELETED']);
      const objects = got.map((e) => e.object as Pod);
      expect(objects[0].metadata.name).toBe('a');
      expect(objects[1].metadata.annotations?.says).toBe('grüß dich ✓');
      expect(objects[2].metadata.resourceVersion).toBe(objects[1].metadata.resourceVersion);
      expect(objects.every((o) => o.kind === 'Pod' && o.apiVersion === 'v1')).toBe(true);
      await waitFor(() => fake.watchers.size === 0, 'the watch to close after break');
    });

    it('watches with a handler until the server ends the watch', async () => {
      const seen: string[] = [];
      const watcher = await client.pods.watch({ resourceVersion: String(fake.rv) }, (e) => {
        seen.push(`${e.type} ${(e.object as Pod).metadata.name}`);
      });
      fake.put(pod('default', 'x'));
      await waitFor(() => seen.length === 1, 'an event');
      fake.dropWatches();
      await watcher.done;
      expect(seen).toEqual(['ADDED x']);
    });

    it('rejects a watch from a too-old resourceVersion with a 410 StatusError, or yields an ERROR event', async () => {
      fake.put(pod('default', 'a'));
      fake.compact();
      await expectStatus(client.pods.watch({ resourceVersion: '1' }), 410, 'Expired');
      fake.expiredAs = 'event';
      const stream = await client.pods.watch({ resourceVersion: '1' });
      const [event] = await collect(stream, 1);
      expect(event.type).toBe('ERROR');
      expect(event.type === 'ERROR' && event.object.code).toBe(410);
    });

    it('ends a watch when its signal aborts, and the server sees the client go', async () => {
      const controller = new AbortController();
      const stream = await client.pods.watch({ resourceVersion: String(fake.rv), signal: controller.signal });
      const seen: string[] = [];
      const reading = (async () => {
        for await (const e of stream) seen.push(e.type);
      })();
      await waitFor(() => fake.watchers.size === 1, 'the watch to register');
      fake.put(pod('default', 'a'));
      await waitFor(() => seen.length === 1, 'an event');
      controller.abort();
      await reading; // ends quietly
      await waitFor(() => fake.watchers.size === 0, 'the server to drop the watcher');
    });

    it('ends a watch on stop()', async () => {
      const stream = await client.pods.watch({ resourceVersion: String(fake.rv) });
      await waitFor(() => fake.watchers.size === 1, 'the watch to register');
      const reading = collect(stream, 10);
      await settle();
      stream.stop();
      expect(await reading).toEqual([]);
      await waitFor(() => fake.watchers.size === 0, 'the server to drop the watcher');
    });

    it('rejects a request whose signal is aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const err = await client.pods.list({ signal: controller.signal }).catch((e: unknown) => e);
      expect((err as Error).name).toBe('AbortError');
    });

    it('sends raw requests and decodes JSON or text by content type', async () => {
      expect(await client.raw('GET', '/version')).toEqual({ gitVersion: 'v1.30.0-fake' });
      expect(await client.raw('GET', '/healthz')).toBe('ok');
      await expectStatus(client.raw('GET', '/nope'), 404, 'NotFound');
      expect(fake.requests.at(-1)!.headers['user-agent']).toBe('gitplane');
    });

    if (t.name === 'http') {
      it('sends the bearer token', async () => {
        await client.raw('GET', '/healthz');
        expect(harness.server!.authorizations.at(-1)).toBe('Bearer sekret');
      });

      it('retries a GET once when a kept-alive connection was reset', async () => {
        fake.put(pod('default', 'a'));
        await client.pods.namespace('default').get('a');
        let resets = 0;
        fake.intercept = (r) => {
          if (r.method === 'GET' && resets === 0) {
            resets++;
            harness.server!.resetConnections();
          }
          return undefined;
        };
        const got = await client.pods.namespace('default').get('a');
        expect(got.metadata.name).toBe('a');
        expect(resets).toBe(1);
      });

      it('fails with a connection error when nothing listens', async () => {
        const dead = createClient(httpTransport({ server: 'http://127.0.0.1:1' }));
        const err = (await dead.pods.list().catch((e: unknown) => e)) as NodeJS.ErrnoException;
        expect(err.code).toBe('ECONNREFUSED');
        dead.close();
      });
    }
  });
}
