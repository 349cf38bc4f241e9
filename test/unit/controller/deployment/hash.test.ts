// The pod-template-hash: stable, blind to key order, defaults and the hash
// label itself, sensitive to real changes and to collisionCount.

import { describe, expect, it } from 'vitest';
import type { PodTemplateSpec } from '../../../../src/api/generated/index.js';
import { canonicalTemplate, computeHash, fnv32a, safeEncodeString, templatesEqualIgnoringHash } from '../../../../src/controller/deployment/hash.js';

const template: PodTemplateSpec = {
  metadata: { labels: { app: 'web', tier: 'front' } },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
};

describe('pod-template-hash', () => {
  it('is FNV-1a in the safe alphabet', () => {
    expect(fnv32a(new TextEncoder().encode(''))).toBe(0x811c9dc5);
    expect(fnv32a(new TextEncoder().encode('a'))).toBe(0xe40c292c);
    expect(safeEncodeString('0123456789')).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    expect(computeHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('ignores key order, the hash label, creationTimestamp and server defaults', () => {
    const reordered = {
      spec: { containers: [{ ports: [{ containerPort: 80 }], image: 'nginx:1.25', name: 'app' }] },
      metadata: { creationTimestamp: null, labels: { tier: 'front', app: 'web', 'pod-template-hash': 'abc' } },
    } as unknown as PodTemplateSpec;
    expect(computeHash(reordered)).toBe(computeHash(template));
    // What the API server stores: defaults filled in (imagePullPolicy, restartPolicy, protocol, ...).
    const defaulted = structuredClone(template);
    defaulted.spec!.restartPolicy = 'Always';
    defaulted.spec!.containers[0].imagePullPolicy = 'IfNotPresent';
    expect(templatesEqualIgnoringHash(defaulted, template)).toBe(true);
    expect(computeHash(defaulted)).toBe(computeHash(template));
  });

  it('changes with the template and with collisionCount', () => {
    const changed = structuredClone(template);
    changed.spec!.containers[0].image = 'nginx:1.26';
    expect(computeHash(changed)).not.toBe(computeHash(template));
    expect(templatesEqualIgnoringHash(changed, template)).toBe(false);
    expect(computeHash(template, 1)).not.toBe(computeHash(template));
    expect(computeHash(template, 1)).not.toBe(computeHash(template, 2));
    expect(computeHash(template, 0)).not.toBe(computeHash(template));
  });

  it('treats empty labels and annotations as absent', () => {
    const bare = { spec: template.spec };
    expect(canonicalTemplate({ metadata: { labels: {}, annotations: {} }, spec: template.spec })).toBe(canonicalTemplate(bare));
  });
});
