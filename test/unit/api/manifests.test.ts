import { describe, expect, it } from 'vitest';
import { validateObject } from '../../../src/api/validation.js';
import { at, loadManifests, manifest } from './fixtures.js';

describe('real-world manifests', () => {
  const manifests = loadManifests();

  it('cover every kind gitplane serves', () => {
    const kinds = new Set(manifests.map((m) => m.object.kind));
    for (const kind of [
      'Namespace', 'Pod', 'Node', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'Event', 'Lease',
      'Deployment', 'ReplicaSet', 'DaemonSet', 'Job', 'CronJob', 'Application',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it.each(manifests.map((m) => [`${m.file}#${m.index} ${String(m.object.kind)}`, m.object] as const))('%s validates', (_, object) => {
    const plain = validateObject(object);
    expect(plain.valid ? [] : plain.errors).toEqual([]);
    const defaulted = validateObject(object, { applyDefaults: true });
    expect(defaulted.valid ? [] : defaulted.errors).toEqual([]);
  });

  it('keeps unknown-but-legal fields and vendor fields', () => {
    const deployment = manifest('Deployment', 'web');
    const result = validateObject(deployment, { applyDefaults: true });
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    const spec = at(result.object, 'spec', 'template', 'spec');
    expect(at(spec, 'os')).toEqual({ name: 'linux' });
    expect(at(spec, 'overhead')).toEqual({ cpu: '250m' });
    expect(at(spec, 'x-example-vendor-field')).toEqual({ keep: 'me' });
    expect(at(spec, 'volumes', 6, 'ephemeral', 'volumeClaimTemplate', 'spec', 'accessModes')).toEqual(['ReadWriteOnce']);
    expect(at(result.object, 'status')).toEqual({});

    const job = manifest('Job', 'reindex-');
    const jobResult = validateObject(job);
    expect(jobResult.valid && at(jobResult.object, 'spec', 'podFailurePolicy', 'rules', 0, 'action')).toBe('FailJob');
  });

  it('drops nulls the way Kubernetes decoding does (Helm and kubectl output)', () => {
    const result = validateObject(manifest('Deployment', 'web'));
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(at(result.object, 'metadata')).not.toHaveProperty('annotations');
    expect(at(result.object, 'metadata')).not.toHaveProperty('creationTimestamp');
    const pod = validateObject(manifest('Pod', 'web-7d4b9c8f6d-x2x9q'));
    expect(pod.valid && at(pod.object, 'status', 'conditions', 0)).not.toHaveProperty('lastProbeTime');
  });

  it('never mutates the caller’s object', () => {
    const deployment = manifest('Deployment', 'web');
    const before = structuredClone(deployment);
    const result = validateObject(deployment, { applyDefaults: true });
    expect(deployment).toEqual(before);
    expect(result.valid && result.object).not.toBe(deployment);
  });

  it('parses octal file modes as kubectl does (YAML 1.1)', () => {
    const deployment = manifest('Deployment', 'web');
    expect(at(deployment, 'spec', 'template', 'spec', 'volumes', 1, 'configMap', 'items', 0, 'mode')).toBe(0o644);
  });
});
