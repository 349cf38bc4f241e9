// planSync with plain objects: phase/wave/kind/name order, hook placement, prune safety
// (inventory + tracking id + Prune=false + prune disabled), PruneLast, allowEmpty, CreateNamespace.

import { describe, expect, it } from 'vitest';
import { prepareForApply } from '../../../../src/gitops/diff/index.js';
import { planSync, type InventoryEntry, type SyncPlan, type SyncSettings } from '../../../../src/gitops/sync/index.js';
import { ANNOTATIONS, resourceIdOf, resourceKey, type DesiredObject, type KubeObject, type ResourceId } from '../../../../src/gitops/types.js';

const app = { namespace: 'gitplane', name: 'shop' };
const settings: SyncSettings = { app, prune: true };

function obj(apiVersion: string, kind: string, name: string, annotations: Record<string, string> = {}, namespace = 'default'): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) } };
}
const desired = (...objects: KubeObject[]): DesiredObject[] => objects.map((object, i) => ({ object, source: { file: 'app.yaml', line: i * 10 + 1 } }));
const entry = (o: KubeObject): InventoryEntry => {
  const id = resourceIdOf(o);
  return { ...id, version: o.apiVersion.split('/').pop()! };
};
/** A live object as gitplane (app) left it. */
const ours = (o: KubeObject, owner = app): KubeObject => ({ ...prepareForApply(o, owner), metadata: { ...prepareForApply(o, owner).metadata, uid: `uid-${o.metadata.name}` } });
const lookup = (...objects: KubeObject[]) => {
  const m = new Map(objects.map((o) => [resourceKey(resourceIdOf(o)), o]));
  return (id: ResourceId) => m.get(resourceKey(id));
};

function plan(input: Partial<Parameters<typeof planSync>[0]>): SyncPlan {
  const p = planSync({ desired: [], live: () => undefined, inventory: [], settings, ...input });
  if ('error' in p) throw new Error(p.error);
  return p;
}
const names = (p: SyncPlan) => p.tasks.map((t) => `${t.phase}:${t.wave}:${t.action}:${t.id.kind}/${t.id.name}`);

describe('planSync ordering', () => {
  it('orders by kind within a wave, then by name', () => {
    const p = plan({
      desired: desired(
        obj('apps/v1', 'Deployment', 'web'),
        obj('gitplane.io/v1alpha1', 'Application', 'child'),
        obj('batch/v1', 'Job', 'once'),
        obj('v1', 'Service', 'web'),
        obj('v1', 'ConfigMap', 'b'),
        obj('v1', 'ConfigMap', 'a'),
        obj('v1', 'Secret', 'creds'),
        obj('v1', 'Namespace', 'default', {}, ''),
      ),
    });
    expect(p.tasks.map((t) => `${t.id.kind}/${t.id.name}`)).toEqual([
      'Namespace/default',
      'Secret/creds',
      'ConfigMap/a',
      'ConfigMap/b',
      'Service/web',
      'Deployment/web',
      'Job/once',
      'Application/child',
    ]);
    expect(p.waves).toHaveLength(1);
    expect(p.tasks.every((t) => t.action === 'create')).toBe(true);
    // Only kinds with a health notion are waited on; a ConfigMap is healthy once applied.
    expect(p.tasks.filter((t) => t.waitHealth).map((t) => t.id.kind)).toEqual(['Namespace', 'Service', 'Deployment', 'Job', 'Application']);
  });

  it('groups by phase and wave (both annotation spellings), waves ascending', () => {
    const p = plan({
      desired: desired(
        obj('v1', 'ConfigMap', 'late', { [ANNOTATIONS.syncWave]: '5' }),
        obj('v1', 'ConfigMap', 'early', { 'argocd.argoproj.io/sync-wave': '-2' }),
        obj('v1', 'ConfigMap', 'bad', { [ANNOTATIONS.syncWave]: 'soon' }),
        obj('v1', 'ConfigMap', 'plain'),
      ),
    });
    expect(p.waves.map((w) => [w.phase, w.wave, w.tasks.map((t) => t.id.name)])).toEqual([
      ['Sync', -2, ['early']],
      ['Sync', 0, ['bad', 'plain']],
      ['Sync', 5, ['late']],
    ]);
  });

  it('places hooks in their phases and leaves Skip out', () => {
    const p = plan({
      desired: desired(
        obj('batch/v1', 'Job', 'migrate', { [ANNOTATIONS.hook]: 'PreSync' }),
        obj('batch/v1', 'Job', 'smoke', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }),
        obj('batch/v1', 'Job', 'both', { [ANNOTATIONS.hook]: 'PreSync,PostSync', [ANNOTATIONS.syncWave]: '1' }),
        obj('batch/v1', 'Job', 'notify', { [ANNOTATIONS.hook]: 'SyncFail' }),
        obj('v1', 'ConfigMap', 'skipped', { [ANNOTATIONS.hook]: 'Skip' }),
        obj('v1', 'ConfigMap', 'normal'),
      ),
    });
    expect(names(p)).toEqual([
      'PreSync:0:hook:Job/migrate',
      'PreSync:1:hook:Job/both',
      'Sync:0:create:ConfigMap/normal',
      'PostSync:0:hook:Job/smoke',
      'PostSync:1:hook:Job/both',
      'SyncFail:0:hook:Job/notify',
    ]);
    expect(p.tasks.find((t) => t.id.name === 'migrate')!.hookDeletePolicies).toEqual(['BeforeHookCreation']);
    expect(p.tasks.find((t) => t.id.name === 'smoke')!.hookDeletePolicies).toEqual(['HookSucceeded']);
  });

  it('applies before pruning within a wave, prunes in reverse kind order, PruneLast after everything', () => {
    const gone = [obj('v1', 'Namespace', 'old-ns', {}, ''), obj('v1', 'ConfigMap', 'old-cm'), obj('apps/v1', 'Deployment', 'old-web'), obj('v1', 'Service', 'old-svc', { [ANNOTATIONS.syncOptions]: 'PruneLast=true' })];
    const live = gone.map((o) => ours(o));
    const p = plan({ desired: desired(obj('v1', 'ConfigMap', 'keep', { [ANNOTATIONS.syncWave]: '2' }), obj('v1', 'ConfigMap', 'first')), inventory: gone.map(entry), live: lookup(...live) });
    expect(names(p)).toEqual([
      'Sync:0:create:ConfigMap/first',
      'Sync:0:prune:Deployment/old-web',
      'Sync:0:prune:ConfigMap/old-cm',
      'Sync:0:prune:Namespace/old-ns',
      'Sync:2:create:ConfigMap/keep',
      'Sync:3:prune:Service/old-svc',
    ]);
    const all = plan({ desired: desired(obj('v1', 'ConfigMap', 'first')), inventory: gone.map(entry), live: lookup(...live), settings: { ...settings, pruneLast: true } });
    expect(all.waves.map((w) => [w.wave, w.tasks.length])).toEqual([
      [0, 1],
      [1, 4],
    ]);
  });
});

describe('planSync prune safety', () => {
  const mine = obj('v1', 'ConfigMap', 'mine');
  const untracked = obj('v1', 'ConfigMap', 'untracked');
  const theirs = obj('v1', 'ConfigMap', 'theirs');
  const kept = obj('v1', 'ConfigMap', 'kept', { [ANNOTATIONS.syncOptions]: 'Validate=false, Prune=false' });
  const missing = obj('v1', 'ConfigMap', 'missing');
  const hook = obj('batch/v1', 'Job', 'old-hook', { [ANNOTATIONS.hook]: 'PreSync' });
  const inventory = [mine, untracked, theirs, kept, missing, hook].map(entry);
  const live = lookup(ours(mine), untracked, ours(theirs, { namespace: 'gitplane', name: 'other' }), ours(kept), ours(hook));

  it('prunes only what carries this app\'s tracking id, and says why it skips the rest', () => {
    const p = plan({ desired: desired(obj('v1', 'ConfigMap', 'current')), inventory, live });
    const prunes = p.tasks.filter((t) => t.action === 'prune').map((t) => [t.id.name, t.pruneBlocked]);
    expect(prunes).toEqual([
      ['kept', 'Prune=false sync option'],
      ['mine', undefined],
      ['theirs', 'managed by another application (gitplane/other)'],
    ]);
  });

  it('with prune disabled every prune is blocked', () => {
    const p = plan({ desired: desired(obj('v1', 'ConfigMap', 'current')), inventory, live, settings: { ...settings, prune: false } });
    expect(p.tasks.find((t) => t.id.name === 'mine')!.pruneBlocked).toBe('prune disabled');
  });

  it('never prunes what is still desired', () => {
    const p = plan({ desired: desired(mine), inventory, live });
    expect(p.tasks.find((t) => t.id.name === 'mine')!.action).not.toBe('prune');
  });

  it('refuses an empty desired state unless allowEmpty', () => {
    const r = planSync({ desired: [], live, inventory, settings });
    expect(r).toEqual({ error: expect.stringMatching(/desired state is empty.*allowEmpty/) });
    const p = plan({ desired: [], inventory, live, settings: { ...settings, allowEmpty: true } });
    expect(p.tasks.filter((t) => t.action === 'prune' && !t.pruneBlocked).map((t) => t.id.name)).toEqual(['mine']);
    expect(planSync({ desired: [], live, inventory: [], settings })).toEqual({ tasks: [], waves: [] });
  });
});

describe('planSync details', () => {
  it('diffs against live: unchanged objects need no request; applyOutOfSyncOnly skips them', () => {
    const cm = obj('v1', 'ConfigMap', 'same');
    const p = plan({ desired: desired(cm), live: lookup(ours(cm)) });
    expect(p.tasks[0]).toMatchObject({ action: 'none', waitHealth: false });
    expect(p.tasks[0].diff!.status).toBe('Synced');
    const deploy = obj('apps/v1', 'Deployment', 'same');
    expect(plan({ desired: desired(deploy), live: lookup(ours(deploy)) }).tasks[0]).toMatchObject({ action: 'none', waitHealth: true });
    const q = plan({ desired: desired(cm), live: lookup(ours(cm)), settings: { ...settings, applyOutOfSyncOnly: true } });
    expect(q.tasks[0]).toMatchObject({ action: 'none', skip: true, waitHealth: false });
  });

  it('creates the destination namespace first when it is missing', () => {
    const d = desired(obj('batch/v1', 'Job', 'migrate', { [ANNOTATIONS.hook]: 'PreSync' }, 'shop'), obj('v1', 'ConfigMap', 'c', {}, 'shop'));
    const p = plan({ desired: d, settings: { ...settings, createNamespace: 'shop' } });
    expect(names(p)).toEqual(['PreSync:0:create:Namespace/shop', 'PreSync:0:hook:Job/migrate', 'Sync:0:create:ConfigMap/c']);
    const exists = plan({ desired: d, settings: { ...settings, createNamespace: 'shop' }, live: lookup(obj('v1', 'Namespace', 'shop', {}, '')) });
    expect(exists.tasks.some((t) => t.id.kind === 'Namespace')).toBe(false);
  });

  it('reports duplicates, nameless objects and bad ignore rules as errors', () => {
    const cm = obj('v1', 'ConfigMap', 'dup');
    expect(planSync({ desired: desired(cm, cm), live: () => undefined, inventory: [], settings })).toEqual({ error: 'app.yaml:11: ConfigMap default/dup is defined more than once' });
    expect(planSync({ desired: desired(obj('v1', 'ConfigMap', '')), live: () => undefined, inventory: [], settings })).toEqual({ error: 'app.yaml:1: ConfigMap has no metadata.name' });
    const bad = planSync({ desired: desired(cm), live: () => undefined, inventory: [], settings, ignore: [{ kind: 'ConfigMap', jqPathExpressions: ['.data | keys'] }] });
    expect(bad).toEqual({ error: expect.stringContaining('unsupported jq') });
  });
});
