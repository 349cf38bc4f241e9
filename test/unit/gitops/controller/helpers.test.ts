// The Application controller's pure parts: branch globs and preview names,
// history entries, the metrics text, author parsing and compareApp's view of
// drift, orphans and ownership.

import { describe, expect, it } from 'vitest';
import { compareApp } from '../../../../src/gitops/controller/compare.js';
import { appendHistory, historyEntry, markHealthy } from '../../../../src/gitops/controller/history.js';
import { appKeyOfTrackingId } from '../../../../src/gitops/controller/live-cache.js';
import { GitOpsMetrics } from '../../../../src/gitops/controller/metrics.js';
import { branchGlob, previewNamespace, slugify } from '../../../../src/gitops/controller/previews.js';
import { parseDuration } from '../../../../src/gitops/controller/reconcile.js';
import { parseAuthor } from '../../../../src/gitops/controller/rollback.js';
import { prepareForApply } from '../../../../src/gitops/diff/index.js';
import { resourceIdOf, resourceKey, type KubeObject } from '../../../../src/gitops/types.js';

const app = { namespace: 'gitplane-system', name: 'shop' };

function cm(name: string, data: Record<string, string>, namespace = 'demo'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data } as KubeObject;
}

describe('previews', () => {
  it('matches branch globs: * within a segment, ** across', () => {
    expect(branchGlob('feature/*').test('feature/x')).toBe(true);
    expect(branchGlob('feature/*').test('feature/x/y')).toBe(false);
    expect(branchGlob('feature/**').test('feature/x/y')).toBe(true);
    expect(branchGlob('release-?').test('release-1')).toBe(true);
    expect(branchGlob('main').test('main2')).toBe(false);
  });

  it('makes DNS labels of branch names and fills the namespace template', () => {
    expect(slugify('feature/Login_v2')).toBe('feature-login-v2');
    expect(slugify('///')).toBe('branch');
    const a = { metadata: { name: 'shop' }, spec: { previews: { namespaceTemplate: 'pr-{{app}}-{{ branch }}' } } } as never;
    expect(previewNamespace(a, 'feature/x')).toBe('pr-shop-feature-x');
    expect(previewNamespace({ metadata: { name: 'shop' }, spec: {} } as never, 'fix/y')).toBe('shop-fix-y');
  });
});

describe('history', () => {
  const commit = {
    sha: 'a'.repeat(40),
    author: { name: 'Alice', email: 'alice@example.com', timestamp: 1 },
    committer: { name: 'CI', email: '', timestamp: 2 },
    message: 'scale web\n',
    parents: [],
  };

  it('records author, committer, message and what the sync did', () => {
    const entry = historyEntry([{ id: 4, revision: 'x' }], commit, [
      { operation: 'created' },
      { operation: 'configured' },
      { operation: 'configured' },
      { operation: 'pruned' },
      { operation: 'unchanged' },
    ] as never, new Date(Date.UTC(2026, 10, 22, 10, 0, 0, 123)));
    expect(entry).toEqual({
      id: 5,
      revision: commit.sha,
      author: 'Alice <alice@example.com>',
      committer: 'CI',
      message: 'scale web',
      deployedAt: '2026-11-22T10:00:00Z',
      resources: { created: 1, configured: 2, pruned: 1 },
    });
  });

  it('keeps the last ten entries and marks the newest healthy once', () => {
    let h: never[] = [];
    for (let i = 0; i < 12; i++) h = appendHistory(h, { id: i, revision: `r${i}` }) as never[];
    expect(h.map((e: { id: number }) => e.id)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const healthy = markHealthy(h, 'r11', new Date(Date.UTC(2026, 0, 1)));
    expect(healthy.at(-1)).toMatchObject({ healthyAt: '2026-01-01T00:00:00Z' });
    expect(markHealthy(healthy, 'r11', new Date(Date.UTC(2027, 0, 1))).at(-1)).toMatchObject({ healthyAt: '2026-01-01T00:00:00Z' });
    expect(markHealthy(h, 'r3', new Date())).toBe(h);
  });
});

describe('small parsers', () => {
  it('parses authors and durations', () => {
    expect(parseAuthor('Bob Ops <bob@example.com>')).toEqual({ name: 'Bob Ops', email: 'bob@example.com' });
    expect(parseAuthor('bob')).toEqual({ name: 'bob', email: 'gitplane@localhost' });
    expect(parseAuthor(undefined)).toEqual({ name: 'gitplane', email: 'gitplane@localhost' });
    expect(parseDuration('5s')).toBe(5_000);
    expect(parseDuration('3m')).toBe(180_000);
    expect(parseDuration('250ms')).toBe(250);
  });

  it('reads the app out of a tracking id', () => {
    expect(appKeyOfTrackingId('gitplane-system_shop:apps/Deployment:demo/web')).toBe('gitplane-system/shop');
    expect(appKeyOfTrackingId('nonsense')).toBeUndefined();
    expect(appKeyOfTrackingId(undefined)).toBeUndefined();
  });
});

describe('metrics', () => {
  it('renders counters, histograms and status gauges in the Prometheus text format', () => {
    const m = new GitOpsMetrics();
    m.recordSync(app, 'Succeeded', 0.07);
    m.recordSync(app, 'Succeeded', 2);
    m.recordSync(app, 'Failed', 0.01);
    m.setStatus(app, 'Synced', 'Progressing');
    const text = m.render();
    expect(text).toContain('gitplane_app_sync_total{namespace="gitplane-system",name="shop",phase="Succeeded"} 2');
    expect(text).toContain('gitplane_app_sync_total{namespace="gitplane-system",name="shop",phase="Failed"} 1');
    expect(text).toContain('gitplane_app_sync_duration_seconds_bucket{namespace="gitplane-system",name="shop",le="0.1"} 2');
    expect(text).toContain('gitplane_app_sync_duration_seconds_count{namespace="gitplane-system",name="shop"} 3');
    expect(text).toContain('gitplane_app_health_status{namespace="gitplane-system",name="shop",health_status="Progressing"} 1');
    expect(text).toContain('gitplane_app_health_status{namespace="gitplane-system",name="shop",health_status="Healthy"} 0');
    m.forget(app);
    expect(m.render()).not.toContain('gitplane_app_info{');
  });
});

describe('compareApp', () => {
  const live = new Map<string, KubeObject>();
  const input = (desired: KubeObject[], inventory: Array<ReturnType<typeof resourceIdOf> & { version: string }> = []) => ({
    app,
    desired: desired.map((object) => ({ object, source: { file: 'x.yaml', line: 1 } })),
    inventory,
    tracked: [],
    live: (id: ReturnType<typeof resourceIdOf>) => live.get(resourceKey(id)),
  });
  const put = (obj: KubeObject) => live.set(resourceKey(resourceIdOf(obj)), obj);

  it('is Synced when live matches what was applied, OutOfSync on drift, Missing when absent', () => {
    live.clear();
    put({ ...prepareForApply(cm('a', { k: 'v' }), app), metadata: { ...prepareForApply(cm('a', { k: 'v' }), app).metadata, uid: 'u1', resourceVersion: '5' } } as KubeObject);
    let c = compareApp(input([cm('a', { k: 'v' })]));
    expect(c.status).toBe('Synced');
    expect(c.health.status).toBe('Healthy');
    c = compareApp(input([cm('a', { k: 'changed' })]));
    expect(c.status).toBe('OutOfSync');
    expect(c.outOfSync).toBe(1);
    c = compareApp(input([cm('a', { k: 'v' }), cm('b', {})]));
    expect(c.resources.find((r) => r.name === 'b')).toMatchObject({ status: 'OutOfSync', health: { status: 'Missing' } });
    expect(c.health.status).toBe('Missing');
  });

  it("lists inventory entries no longer in Git as orphans, but never another app's objects", () => {
    live.clear();
    put(prepareForApply(cm('old', {}), app));
    put(prepareForApply(cm('theirs', {}), { namespace: 'gitplane-system', name: 'other' }));
    const c = compareApp(input([], [
      { group: '', kind: 'ConfigMap', namespace: 'demo', name: 'old', version: 'v1' },
      { group: '', kind: 'ConfigMap', namespace: 'demo', name: 'theirs', version: 'v1' },
      { group: '', kind: 'ConfigMap', namespace: 'demo', name: 'gone', version: 'v1' },
    ]));
    expect(c.orphans.map((o) => o.name)).toEqual(['old']);
    expect(c.resources).toEqual([expect.objectContaining({ name: 'old', requiresPruning: true, status: 'OutOfSync' })]);
  });
});
