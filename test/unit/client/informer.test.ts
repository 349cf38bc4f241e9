// The informer against a fake API handler: list + watch, resume, re-list on
// 410 with the right diffs, resync, indexers, listers, paging, backoff, stop.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/generated/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from '../../../src/client/cache.js';
import { createClient, type Client } from '../../../src/client/client.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { createInformer, type InformerOptions, type ResourceEventHandler, type SharedIndexInformer } from '../../../src/client/informer.js';
import { httpTransport } from '../../../src/client/transport/http.js';
import { inProcessTransport } from '../../../src/client/transport/in-process.js';
import { FakeApi, pod, type Obj } from './support/fake-api.js';
import { serve } from './support/http-server.js';
import { waitFor } from './support/wait.js';

/** Handler events as strings: "add default/a initial", "update default/a 101->102", "delete default/b", "tombstone default/b". */
function recorder(): { events: string[]; handler: ResourceEventHandler<Pod> } {
  const events: string[] = [];
  const key = (p: Pod): string => `${p.metadata.namespace}/${p.metadata.name}`;
  return {
    events,
    handler: {
      onAdd: (p, initial) => events.push(`add ${key(p)}${initial ? ' initial' : ''}`),
      onUpdate: (o, n) => events.push(`update ${key(n)} ${o.metadata.resourceVersion}->${n.metadata.resourceVersion}`),
      onDelete: (p) => events.push(p instanceof DeletedFinalStateUnknown ? `tombstone ${p.key}` : `delete ${key(p)}`),
    },
  };
}

describe('SharedIndexInformer', () => {
  let fake: FakeApi;
  let clock: FakeClock;
  let client: Client;
  let errors: unknown[];
  let informers: SharedIndexInformer<Pod>[];

  const informerFor = (options: InformerOptions<Pod> = {}, namespace?: string): SharedIndexInformer<Pod> => {
    const resource = namespace ? client.pods.namespace(namespace) : client.pods;
    const informer = createInformer<Pod>(resource, { clock, random: () => 0, onError: (e) => errors.push(e), ...options });
    informers.push(informer);
    return informer;
  };
  const listRequests = (): number => fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/pods') && r.query.get('watch') !== 'true').length;
  const watchRequests = () => fake.requests.filter((r) => r.query.get('watch') === 'true');

  beforeEach(() => {
    fake = new FakeApi();
    clock = new FakeClock();
    client = createClient(inProcessTransport(fake.handler));
    errors = [];
    informers = [];
  });

  afterEach(async () => {
    for (const informer of informers) await informer.stop();
    expect(clock.pending()).toBe(0);
    await waitFor(() => fake.watchers.size === 0, 'every watch to close');
  });

  it('lists in pages, delivers the initial list, then watches from its resourceVersion with bookmarks', async () => {
    fake.put(pod('default', 'a', { labels: { app: 'web' } }));
    fake.put(pod('default', 'b'));
    fake.put(pod('kube-system', 'c', { labels: { app: 'web' } }));
    const rec = recorder();
    const informer = informerFor({ pageSize: 2 });
    informer.addEventHandler(rec.handler);
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    expect(rec.events).toEqual(['add default/a initial', 'add default/b initial', 'add kube-system/c initial']);

    const lists = fake.requests.filter((r) => r.query.get('watch') !== 'true');
    expect(lists.map((r) => [r.query.get('limit'), Boolean(r.query.get('continue'))])).toEqual([
      ['2', false],
      ['2', true],
    ]);
    await waitFor(() => watchRequests().length === 1, 'the watch');
    const watch = watchRequests()[0];
    expect(watch.query.get('resourceVersion')).toBe(String(fake.rv));
    expect(watch.query.get('allowWatchBookmarks')).toBe('true');
    expect(Number(watch.query.get('timeoutSeconds'))).toBe(300);
    expect(informer.lastSyncResourceVersion()).toBe(String(fake.rv));

    const lister = informer.lister();
    expect(lister.get('default', 'a')?.metadata.labels).toEqual({ app: 'web' });
    expect(lister.get('default', 'zzz')).toBeUndefined();
    expect(lister.list().map((p) => p.metadata.name).sort()).toEqual(['a', 'b', 'c']);
    expect(lister.list('app=web').map((p) => p.metadata.name).sort()).toEqual(['a', 'c']);
    expect(lister.list({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }).map((p) => p.metadata.name)).toEqual(['b']);
    expect(lister.namespace('default').list().map((p) => p.metadata.name).sort()).toEqual(['a', 'b']);
    expect(lister.namespace('default').list('app=web').map((p) => p.metadata.name)).toEqual(['a']);
    expect(lister.namespace('kube-system').get('c')?.metadata.name).toBe('c');
    expect(informer.indexer.byIndex(NAMESPACE_INDEX, 'kube-system').map((p) => p.metadata.name)).toEqual(['c']);
    expect(informer.indexer.listIndexFuncValues(NAMESPACE_INDEX).sort()).toEqual(['default', 'kube-system']);
  });

  it('applies watch events to the cache and the handlers', async () => {
    fake.put(pod('default', 'a'));
    fake.put(pod('default', 'b'));
    const rec = recorder();
    const informer = informerFor();
    informer.addEventHandler(rec.handler);
    informer.start();
    await informer.waitForSync();
    await waitFor(() => fake.watchers.size === 1, 'the watch');
    rec.events.length = 0;

    const aRV = informer.lister().get('default', 'a')!.metadata.resourceVersion;
    fake.put(pod('default', 'd'));
    fake.put(pod('default', 'a', { labels: { changed: 'yes' } }));
    fake.remove('v1', 'Pod', 'default', 'b');
    await waitFor(() => rec.events.length === 3, 'three events');
    const newARV = informer.lister().get('default', 'a')!.metadata.resourceVersion;
    expect(rec.events).toEqual(['add default/d', `update default/a ${aRV}->${newARV}`, 'delete default/b']);
    expect(informer.lister().get('default', 'a')!.metadata.labels).toEqual({ changed: 'yes' });
    expect(informer.lister().get('default', 'b')).toBeUndefined();
    expect(informer.lastSyncResourceVersion()).toBe(String(fake.rv));
  });

  it('resumes a dropped watch from the last resourceVersion without re-listing', async () => {
    fake.put(pod('default', 'a'));
    const rec = recorder();
    const informer = informerFor();
    informer.addEventHandler(rec.handler);
    informer.start();
    await informer.waitForSync();
    await waitFor(() => fake.watchers.size === 1, 'the watch');
    fake.put(pod('default', 'b'));
    await waitFor(() => rec.events.length === 2, 'b');
    const lastRV = informer.lastSyncResourceVersion();

    // Drop the connection; changes made while it is down come from history on the new watch.
    fake.partitioned = true;
    fake.dropWatches();
    fake.put(pod('default', 'c'));
    fake.partitioned = false;
    await waitFor(() => rec.events.length === 3, 'c after the resume');

    expect(rec.events).toEqual(['add default/a initial', 'add default/b', 'add default/c']);
    expect(listRequests()).toBe(1);
    expect(watchRequests().map((r) => r.query.get('resourceVersion'))).toEqual([expect.any(String), lastRV]);
    expect(clock.pending()).toBe(0); // no backoff: the dropped watch had made progress
  });

  it('backs off before re-watching when a watch ends at once without events', async () => {
    const informer = informerFor();
    informer.start();
    await informer.waitForSync();
    await waitFor(() => fake.watchers.size === 1, 'the watch');
    fake.dropWatches();
    await waitFor(() => errors.length === 1, 'the very-short-watch error');
    expect(String(errors[0])).toContain('very short watch');
    expect(clock.pending()).toBe(1);
    clock.advance(799);
    expect(watchRequests()).toHaveLength(1);
    clock.advance(1);
    await waitFor(() => watchRequests().length === 2, 'the second watch');
    expect(listRequests()).toBe(1);
  });

  it('advances the resourceVersion on bookmarks', async () => {
    const informer = informerFor();
    informer.start();
    await informer.waitForSync();
    await waitFor(() => fake.watchers.size === 1, 'the watch');
    // Other kinds move the global resourceVersion; pods see only the bookmark.
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' } });
    fake.bookmark();
    await waitFor(() => informer.lastSyncResourceVersion() === String(fake.rv), 'the bookmark');
    fake.dropWatches();
    await waitFor(() => watchRequests().length === 2, 'the resumed watch');
    expect(watchRequests()[1].query.get('resourceVersion')).toBe(String(fake.rv));
  });

  for (const expiredAs of ['event', 'http'] as const) {
    it(`re-lists on 410 (${expiredAs === 'event' ? 'an ERROR event' : 'an HTTP 410 on re-watch'}) and delivers the difference`, async () => {
      for (const name of ['a', 'b', 'c']) fake.put(pod('default', name));
      const rec = recorder();
      const informer = informerFor();
      informer.addEventHandler(rec.handler);
      informer.start();
      await informer.waitForSync();
      await waitFor(() => fake.watchers.size === 1, 'the watch');
      fake.put(pod('default', 'a0'));
      await waitFor(() => rec.events.length === 4, 'a0');
      const oldB = informer.lister().get('default', 'b')!;
      const oldC = informer.lister().get('default', 'c')!;

      // Changes the informer never hears of, then history is compacted away.
      fake.partitioned = true;
      fake.remove('v1', 'Pod', 'default', 'b');
      const newC = fake.put(pod('default', 'c', { labels: { v: '2' } }));
      fake.put(pod('default', 'd'));
      fake.compact();
      fake.partitioned = false;
      fake.expiredAs = expiredAs;
      rec.events.length = 0;
      const tombstones: Array<DeletedFinalStateUnknown<Pod>> = [];
      informer.addEventHandler({ onDelete: (p) => p instanceof DeletedFinalStateUnknown && tombstones.push(p) });
      if (expiredAs === 'event') fake.expireWatches();
      else fake.dropWatches(); // the re-watch from the old resourceVersion gets an HTTP 410

      await waitFor(() => rec.events.length === 3, 'the re-list diff');
      expect(rec.events).toEqual([`update default/c ${oldC.metadata.resourceVersion}->${newC.metadata.resourceVersion}`, 'add default/d', 'tombstone default/b']);
      expect(tombstones[0].obj).toBe(oldB);
      expect(listRequests()).toBe(2);
      expect(informer.lister().list().map((p) => p.metadata.name).sort()).toEqual(['a', 'a0', 'c', 'd']);
      expect(informer.lastSyncResourceVersion()).toBe(String(fake.rv));

      // And it watches again from the new list.
      await waitFor(() => fake.watchers.size === 1, 'the new watch');
      fake.put(pod('default', 'e'));
      await waitFor(() => rec.events.length === 4, 'e');
      expect(rec.events[3]).toBe('add default/e');
      expect(clock.pending()).toBe(0);
    });
  }

  it('falls back to an unpaged list when a continue token expires', async () => {
    for (const name of ['a', 'b', 'c']) fake.put(pod('default', name));
    let expired = false;
    fake.intercept = (r) => {
      if (r.query.get('continue') && !expired) {
        expired = true;
        return { status: 410, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Expired', message: 'continue too old', code: 410 }) };
      }
      return undefined;
    };
    const informer = informerFor({ pageSize: 1 });
    informer.start();
    await informer.waitForSync();
    expect(informer.lister().list()).toHaveLength(3);
    const lists = fake.requests.filter((r) => r.query.get('watch') !== 'true');
    expect(lists.map((r) => r.query.get('limit'))).toEqual(['1', '1', null]);
  });

  it('resyncs every cached object to handlers on the clock, per handler period', async () => {
    fake.put(pod('default', 'a'));
    fake.put(pod('default', 'b'));
    const every30 = recorder();
    const never = recorder();
    const every10 = recorder();
    const informer = informerFor({ resyncPeriodMs: 30_000 });
    informer.addEventHandler(every30.handler);
    informer.addEventHandler(never.handler, { resyncPeriodMs: 0 });
    informer.start();
    await informer.waitForSync();
    informer.addEventHandler(every10.handler, { resyncPeriodMs: 10_000 });
    const rvA = informer.lister().get('default', 'a')!.metadata.resourceVersion;
    const rvB = informer.lister().get('default', 'b')!.metadata.resourceVersion;
    for (const r of [every30, never, every10]) r.events.length = 0;

    clock.advance(29_999);
    expect(every30.events).toEqual([]);
    expect(every10.events).toHaveLength(4);
    clock.advance(1);
    expect(every30.events).toEqual([`update default/a ${rvA}->${rvA}`, `update default/b ${rvB}->${rvB}`]);
    clock.advance(30_000);
    expect(every30.events).toHaveLength(4);
    expect(every10.events).toHaveLength(12);
    expect(never.events).toEqual([]);
  });

  it('gives a handler registered after sync synthetic adds, then live events', async () => {
    fake.put(pod('default', 'a'));
    const informer = informerFor();
    informer.start();
    await informer.waitForSync();
    await waitFor(() => fake.watchers.size === 1, 'the watch');
    const rec = recorder();
    const registration = informer.addEventHandler(rec.handler);
    expect(rec.events).toEqual(['add default/a initial']);
    expect(registration.hasSynced()).toBe(true);
    fake.put(pod('default', 'b'));
    await waitFor(() => rec.events.length === 2, 'b');
    registration.remove();
    fake.put(pod('default', 'c'));
    await waitFor(() => informer.lister().get('default', 'c') !== undefined, 'c in the cache');
    expect(rec.events).toEqual(['add default/a initial', 'add default/b']);
  });

  it('maintains custom indexes as objects change', async () => {
    fake.put(pod('default', 'a', { nodeName: 'n1' }));
    fake.put(pod('default', 'b', { nodeName: 'n1' }));
    fake.put(pod('other', 'c', { nodeName: 'n2' }));
    const byNode = (p: Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);
    const informer = informerFor({ indexers: { node: byNode } });
    informer.start();
    await informer.waitForSync();
    await waitFor(() => fake.watchers.size === 1, 'the watch');
    const names = (node: string): string[] => informer.indexer.byIndex('node', node).map((p) => p.metadata.name!).sort();
    expect(names('n1')).toEqual(['a', 'b']);
    expect(names('n2')).toEqual(['c']);

    fake.put(pod('default', 'b', { nodeName: 'n2' }));
    fake.put(pod('default', 'u'));
    await waitFor(() => informer.lister().get('default', 'u') !== undefined, 'u');
    expect(names('n1')).toEqual(['a']);
    expect(names('n2')).toEqual(['b', 'c']);
    expect(informer.indexer.listIndexFuncValues('node').sort()).toEqual(['n1', 'n2']);

    fake.remove('v1', 'Pod', 'default', 'a');
    await waitFor(() => informer.lister().get('default', 'a') === undefined, 'a gone');
    expect(informer.indexer.listIndexFuncValues('node')).toEqual(['n2']);
    // An index added late covers what is cached.
    informer.addIndexers({ phase: (p) => [p.status?.phase ?? 'none'] });
    expect(informer.indexer.byIndex('phase', 'none')).toHaveLength(3);
  });

  it('backs off exponentially (on the clock) when the list fails, then syncs', async () => {
    fake.put(pod('default', 'a'));
    let failures = 2;
    fake.intercept = (r) => (r.query.get('watch') !== 'true' && failures-- > 0 ? { status: 503, body: 'busy', contentType: 'text/plain' } : undefined);
    const informer = informerFor();
    informer.start();
    await waitFor(() => errors.length === 1 && clock.pending() === 1, 'the first failure');
    clock.advance(799);
    expect(listRequests()).toBe(1);
    clock.advance(1);
    await waitFor(() => errors.length === 2 && clock.pending() === 1, 'the second failure');
    expect((errors[1] as { code?: number }).code).toBe(503);
    clock.advance(1599);
    expect(listRequests()).toBe(2);
    clock.advance(1);
    expect(await informer.waitForSync()).toBe(true);
    expect(listRequests()).toBe(3);
  });

  it('survives a throwing handler and reports it', async () => {
    fake.put(pod('default', 'a'));
    const rec = recorder();
    const informer = informerFor();
    informer.addEventHandler({
      onAdd: () => {
        throw new Error('handler bug');
      },
    });
    informer.addEventHandler(rec.handler);
    informer.start();
    await informer.waitForSync();
    expect(rec.events).toEqual(['add default/a initial']);
    expect(String(errors[0])).toContain('handler bug');
  });

  it('stops cleanly before sync: waiters get false and no timers remain', async () => {
    fake.intercept = () => ({ status: 500, body: 'down', contentType: 'text/plain' });
    const informer = informerFor();
    informer.start();
    const waiting = informer.waitForSync();
    const aborter = new AbortController();
    const aborted = informer.waitForSync(aborter.signal);
    aborter.abort();
    expect(await aborted).toBe(false);
    await waitFor(() => clock.pending() === 1, 'the backoff timer');
    await informer.stop();
    expect(await waiting).toBe(false);
    expect(clock.pending()).toBe(0);
    expect(informer.isStopped).toBe(true);
  });

  it('watches one namespace when built from a namespaced client', async () => {
    fake.put(pod('default', 'a'));
    fake.put(pod('other', 'b'));
    const informer = informerFor({}, 'default');
    informer.start();
    await informer.waitForSync();
    expect(informer.lister().list().map((p) => p.metadata.name)).toEqual(['a']);
    await waitFor(() => watchRequests().length === 1, 'the watch');
    expect(watchRequests()[0].path).toBe('/api/v1/namespaces/default/pods');
  });

  it('works over HTTP too: sync, events, resume after the server drops the watch', async () => {
    const server = await serve(fake.handler);
    const transport = httpTransport({ server: server.url });
    try {
      fake.put(pod('default', 'a'));
      const rec = recorder();
      const informer = createInformer<Pod>(createClient(transport).pods, { clock, random: () => 0, onError: (e) => errors.push(e) });
      informers.push(informer);
      informer.addEventHandler(rec.handler);
      informer.start();
      await informer.waitForSync();
      await waitFor(() => fake.watchers.size === 1, 'the watch');
      fake.put(pod('default', 'b'));
      await waitFor(() => rec.events.length === 2, 'b');
      fake.dropWatches();
      fake.put(pod('default', 'c'));
      await waitFor(() => rec.events.length === 3, 'c');
      expect(rec.events).toEqual(['add default/a initial', 'add default/b', 'add default/c']);
      expect(listRequests()).toBe(1);
      await informer.stop();
    } finally {
      transport.close();
      await server.close();
    }
  });
});

describe('InformerFactory', () => {
  it('shares one informer per kind and syncs them together', async () => {
    const fake = new FakeApi();
    const clock = new FakeClock();
    fake.put(pod('default', 'a'));
    fake.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' } } as Obj);
    const factory = new InformerFactory(createClient(inProcessTransport(fake.handler)), { clock });
    const pods1 = factory.informerFor<Pod>('v1', 'Pod');
    const pods2 = factory.informerFor<Pod>('v1', 'Pod', { indexers: { node: (p) => [p.spec?.nodeName ?? ''] } });
    expect(pods1).toBe(pods2);
    expect(pods1.indexer.hasIndex('node')).toBe(true);
    const deployments = factory.informerFor('apps/v1', 'Deployment');
    expect(deployments.name).toBe('apps/v1/Deployment');
    factory.start();
    expect(await factory.waitForCacheSync()).toBe(true);
    expect(pods1.lister().list()).toHaveLength(1);
    expect(deployments.lister().get('default', 'd')).toBeDefined();
    await factory.stop();
    expect(clock.pending()).toBe(0);
    await waitFor(() => fake.watchers.size === 0, 'every watch to close');
  });
});
