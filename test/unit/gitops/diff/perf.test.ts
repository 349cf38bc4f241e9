// How fast diffResource is on 10,000 typical resources (a third each Deployments, Services,
// ConfigMaps; 10% drifted). Prints the time; asserts only a loose bound.

import { describe, expect, it } from 'vitest';
import { deepClone } from '../../../../src/api/patch/index.js';
import { diffResource, prepareForApply } from '../../../../src/gitops/diff/index.js';
import type { KubeObject } from '../../../../src/gitops/types.js';
import { APP, configMap, deployment, service, serverView } from './fixtures.js';

function renamed(obj: KubeObject, name: string): KubeObject {
  const copy = deepClone(obj);
  copy.metadata.name = name;
  return copy;
}

describe('diff performance', () => {
  it('diffs 10,000 resources', () => {
    const templates = [deployment(), service(), configMap()];
    const desired: KubeObject[] = [];
    for (let i = 0; i < 10_000; i++) desired.push(renamed(templates[i % 3], `res-${i}`));
    const t0 = performance.now();
    const prepared = desired.map((d) => prepareForApply(d, APP));
    const t1 = performance.now();
    const serverTemplates = templates.map((t) => serverView(prepareForApply(t, APP)));
    const live = prepared.map((p, i) => {
      const l = deepClone(serverTemplates[i % 3]);
      l.metadata.name = p.metadata.name;
      l.metadata.annotations = { ...p.metadata.annotations, ...l.metadata.annotations, ...pick(p.metadata.annotations!) };
      if (i % 10 === 0 && l.kind === 'Deployment') (l.spec as { replicas: number }).replicas = 7;
      if (i % 10 === 1 && l.kind === 'ConfigMap') (l.data as Record<string, string>).mode = 'drifted';
      return l;
    });
    const t2 = performance.now();
    let outOfSync = 0;
    for (let i = 0; i < prepared.length; i++) if (diffResource(prepared[i], live[i]).status === 'OutOfSync') outOfSync++;
    const t3 = performance.now();
    // A commit that changes every object: deletions and a patch to predict, for each.
    const changed = desired.map((d) => {
      const c = deepClone(d);
      c.metadata.labels = { release: 'v2' };
      return prepareForApply(c, APP);
    });
    const t4 = performance.now();
    let changedOutOfSync = 0;
    for (let i = 0; i < changed.length; i++) if (diffResource(changed[i], live[i]).status === 'OutOfSync') changedOutOfSync++;
    const t5 = performance.now();
    console.log(
      `diff of 10,000 resources: ${(t3 - t2).toFixed(0)} ms steady state (${outOfSync} OutOfSync), ` +
        `${(t5 - t4).toFixed(0)} ms after a commit changing all; prepareForApply: ${(t1 - t0).toFixed(0)} ms`,
    );
    expect(changedOutOfSync).toBe(10_000);
    expect(t5 - t4).toBeLessThan(5000);
    expect(outOfSync).toBeGreaterThan(0);
    expect(outOfSync).toBeLessThan(2000);
    expect(t3 - t2).toBeLessThan(5000);
  });
});

function pick(annotations: Record<string, string>): Record<string, string> {
  return { 'gitplane.io/last-applied-configuration': annotations['gitplane.io/last-applied-configuration'], 'gitplane.io/tracking-id': annotations['gitplane.io/tracking-id'] };
}
