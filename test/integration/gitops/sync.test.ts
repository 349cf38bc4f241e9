// planSync + runSync against a real in-process API server: creates, patches, no-op syncs,
// drift reverted, three-way removals, server errors, CreateNamespace, dry run, and pruning
// that only ever touches what this app's tracking id marks as its own.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSync, runSync, type SyncPlan } from '../../../src/gitops/sync/index.js';
import { ANNOTATIONS, APP_LABEL } from '../../../src/gitops/types.js';
import { client, cm, context, deployment, get, inventoryOf, job, namespace, plan, resultOf, service, startCluster, stopCluster, sync } from './sync-helpers.js';

beforeAll(startCluster);
afterAll(stopCluster);

describe('apply', () => {
  it('creates, then configures what changed, and writes nothing when unchanged', async () => {
    const ns = await namespace();
    const first = await sync([cm(ns, 'settings'), deployment(ns, 'web'), service(ns, 'web')]);
    expect(first.phase).toBe('Succeeded');
    expect(first.results.map((r) => [r.kind, r.status, r.operation])).toEqual([
      ['ConfigMap', 'Synced', 'created'],
      ['Service', 'Synced', 'created'],
      ['Deployment', 'Synced', 'created'],
    ]);
    const web = (await get('apps/v1', 'Deployment', ns, 'web'))!;
    expect(web.metadata.labels?.[APP_LABEL]).toBe('shop');
    expect(web.metadata.annotations?.[ANNOTATIONS.trackingId]).toBe(`gitplane_shop:apps/Deployment:${ns}/web`);
    expect(web.metadata.annotations?.[ANNOTATIONS.lastApplied]).toBeDefined();

    const versions = async () => Promise.all([get('v1', 'ConfigMap', ns, 'settings'), get('apps/v1', 'Deployment', ns, 'web'), get('v1', 'Service', ns, 'web')]).then((l) => l.map((o) => o!.metadata.resourceVersion));
    const before = await versions();
    const again = await sync([cm(ns, 'settings'), deployment(ns, 'web'), service(ns, 'web')]);
    expect(again.phase).toBe('Succeeded');
    expect(again.results.map((r) => r.operation)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(await versions()).toEqual(before);

    const changed = await sync([cm(ns, 'settings', { k: 'v2' }), deployment(ns, 'web'), service(ns, 'web')]);
    expect(changed.results.map((r) => r.operation)).toEqual(['configured', 'unchanged', 'unchanged']);
    expect((await get('v1', 'ConfigMap', ns, 'settings'))!.data).toEqual({ k: 'v2' });
  });

  it('removes from live what was removed from Git, keeps what others added and server defaults', async () => {
    const ns = await namespace();
    const full = deployment(ns, 'web');
    full.metadata.labels = { app: 'web', tier: 'frontend' };
    (full.spec as any).template.spec.containers[0].env = [{ name: 'A', value: '1' }, { name: 'B', value: '2' }];
    await sync([full]);
    await client.deployments.namespace(ns).patch('web', { metadata: { labels: { 'added-by': 'ops' } } }, 'merge');
    const trimmed = deployment(ns, 'web');
    (trimmed.spec as any).template.spec.containers[0].env = [{ name: 'A', value: '1' }];
    (trimmed.spec as any).template.spec.containers[0].image = 'nginx:1.27';
    const state = await sync([trimmed]);
    expect(resultOf(state, 'web')!.operation).toBe('configured');
    const live = (await get('apps/v1', 'Deployment', ns, 'web'))!;
    expect(live.metadata.labels).toEqual({ app: 'web', 'added-by': 'ops', [APP_LABEL]: 'shop' });
    const container = (live.spec as any).template.spec.containers[0];
    expect(container.env).toEqual([{ name: 'A', value: '1' }]);
    expect(container.image).toBe('nginx:1.27');
    expect(container.imagePullPolicy).toBeDefined();
    expect((await sync([trimmed])).results[0].operation).toBe('unchanged');
  });

  it('an object created by someone between plan and run is patched instead (AlreadyExists retried)', async () => {
    const ns = await namespace();
    const p = await plan([cm(ns, 'raced', { k: 'mine' })]);
    expect(p.tasks[0].action).toBe('create');
    await client.configMaps.namespace(ns).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raced', namespace: ns }, data: { k: 'theirs' } });
    const state = await runSync(p, context());
    expect(state.results[0]).toMatchObject({ status: 'Synced', operation: 'configured' });
    const live = (await get('v1', 'ConfigMap', ns, 'raced'))!;
    expect(live.data).toEqual({ k: 'mine' });
    expect(live.metadata.annotations?.[ANNOTATIONS.trackingId]).toBeDefined();
  });

  it('reverts a live replicas change (kubectl scale)', async () => {
    const ns = await namespace();
    await sync([deployment(ns, 'web', 3)]);
    await client.deployments.namespace(ns).patch('web', { spec: { replicas: 5 } }, 'merge');
    const state = await sync([deployment(ns, 'web', 3)]);
    expect(resultOf(state, 'web')).toMatchObject({ status: 'Synced', operation: 'configured' });
    expect(((await get('apps/v1', 'Deployment', ns, 'web'))!.spec as { replicas: number }).replicas).toBe(3);
  });

  it('fails a task with the server\'s message (422), still applies the rest of its wave, stops later waves', async () => {
    const ns = await namespace();
    const state = await sync([service(ns, 'bad', 70000), cm(ns, 'same-wave'), cm(ns, 'later', {}, { [ANNOTATIONS.syncWave]: '1' })]);
    expect(state.phase).toBe('Failed');
    const bad = resultOf(state, 'bad')!;
    expect(bad).toMatchObject({ status: 'SyncFailed', operation: 'failed' });
    expect(bad.message).toMatch(/port/i);
    expect(state.message).toContain(`Service ${ns}/bad`);
    expect(state.message).toContain(bad.message);
    expect(resultOf(state, 'same-wave')).toMatchObject({ status: 'Synced', operation: 'created' });
    expect(resultOf(state, 'later')).toBeUndefined();
    expect(await get('v1', 'ConfigMap', ns, 'later')).toBeUndefined();
  });

  it('CreateNamespace creates a missing destination; without it the create fails with the server\'s message', async () => {
    const without = await sync([cm('nowhere', 'c')]);
    expect(without.phase).toBe('Failed');
    expect(resultOf(without, 'c')!.message).toMatch(/nowhere/);
    const state = await sync([cm('fresh', 'c')], { settings: { createNamespace: 'fresh' } });
    expect(state.phase).toBe('Succeeded');
    expect(state.results.map((r) => `${r.kind}/${r.name}:${r.operation}`)).toEqual(['Namespace/fresh:created', 'ConfigMap/c:created']);
    expect(await get('v1', 'ConfigMap', 'fresh', 'c')).toBeDefined();
  });

  it('dry run sends dryRun=All: results, no objects', async () => {
    const ns = await namespace();
    const state = await sync([cm(ns, 'dry'), job(ns, 'hook', { [ANNOTATIONS.hook]: 'PreSync' })], { settings: { dryRun: true } });
    expect(state.phase).toBe('Succeeded');
    expect(resultOf(state, 'dry')).toMatchObject({ status: 'Synced', operation: 'created', message: 'created (dry run)' });
    expect(resultOf(state, 'hook')).toMatchObject({ operation: 'skipped' });
    expect(await get('v1', 'ConfigMap', ns, 'dry')).toBeUndefined();
  });
});

describe('prune', () => {
  it('prunes only inventory entries tracked by this app', async () => {
    const ns = await namespace();
    const keep = cm(ns, 'keep');
    const old = cm(ns, 'old');
    const guarded = cm(ns, 'guarded', {}, { [ANNOTATIONS.syncOptions]: 'Prune=false' });
    await sync([keep, old, guarded]);
    // Someone else's object under a name in our inventory, and another app's object.
    await client.configMaps.namespace(ns).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stranger', namespace: ns }, data: {} });
    await runSync(
      planSync({ desired: [{ object: cm(ns, 'theirs'), source: { file: 'b.yaml', line: 1 } }], live: () => undefined, inventory: [], settings: { app: { namespace: 'gitplane', name: 'other' }, prune: true } }) as SyncPlan,
      context(),
    );
    const inventory = inventoryOf([keep, old, guarded, cm(ns, 'stranger'), cm(ns, 'theirs')]);

    const state = await sync([keep], { inventory });
    expect(state.phase).toBe('Succeeded');
    expect(state.results.map((r) => [r.name, r.status, r.operation])).toEqual([
      ['keep', 'Synced', 'unchanged'],
      ['guarded', 'PruneSkipped', 'skipped'],
      ['old', 'Pruned', 'pruned'],
      ['theirs', 'PruneSkipped', 'skipped'],
    ]);
    expect(resultOf(state, 'theirs')!.message).toContain('another application');
    expect(resultOf(state, 'guarded')!.message).toContain('Prune=false');
    expect(await get('v1', 'ConfigMap', ns, 'old')).toBeUndefined();
    for (const name of ['keep', 'guarded', 'stranger', 'theirs']) expect(await get('v1', 'ConfigMap', ns, name), name).toBeDefined();
  });

  it('with prune disabled reports PruneSkipped and deletes nothing', async () => {
    const ns = await namespace();
    await sync([cm(ns, 'a'), cm(ns, 'b')]);
    const state = await sync([cm(ns, 'a')], { inventory: inventoryOf([cm(ns, 'a'), cm(ns, 'b')]), settings: { prune: false } });
    expect(resultOf(state, 'b')).toMatchObject({ status: 'PruneSkipped', message: 'prune skipped: prune disabled' });
    expect(await get('v1', 'ConfigMap', ns, 'b')).toBeDefined();
  });
});

