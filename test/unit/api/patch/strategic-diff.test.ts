import { describe, expect, it } from 'vitest';
import { diffStrategicMerge } from '../../../../src/api/patch/strategic-diff.js';
import { applyStrategicMergePatch } from '../../../../src/api/patch/strategic-merge.js';

function deployment(mutate: (d: Record<string, any>) => void = () => {}): Record<string, any> {
  const d: Record<string, any> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', labels: { app: 'nginx' }, finalizers: ['a', 'b'] },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80 }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ key: 'a', operator: 'Exists' }],
        },
      },
    },
  };
  mutate(d);
  return d;
}

describe('diffStrategicMerge', () => {
  it('is empty for equal objects', () => {
    expect(diffStrategicMerge(deployment(), deployment(), 'apps/v1', 'Deployment')).toEqual({});
  });

  it('builds the patch kubectl sends for a new image', () => {
    const patch = diffStrategicMerge(
      deployment(),
      deployment((d) => {
        d.spec.replicas = 3;
        d.spec.template.spec.containers[0].image = 'nginx:1.26';
      }),
      'apps/v1',
      'Deployment',
    );
    expect(patch).toEqual({
      spec: {
        replicas: 3,
        template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] } },
      },
    });
  });

  it('deletes list items with $patch: delete and scalars with $deleteFromPrimitiveList', () => {
    const patch = diffStrategicMerge(
      deployment(),
      deployment((d) => {
        d.metadata.finalizers = ['b', 'c'];
        d.spec.template.spec.containers[0].env = [{ name: 'B', value: '2' }];
      }),
      'apps/v1',
      'Deployment',
    );
    expect(patch).toEqual({
      metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'], '$setElementOrder/finalizers': ['b', 'c'] },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }],
            containers: [{ name: 'nginx', '$setElementOrder/env': [{ name: 'B' }], env: [{ name: 'A', $patch: 'delete' }] }],
          },
        },
      },
    });
  });

  it('sends $retainKeys for retainKeys fields', () => {
    const patch = diffStrategicMerge(
      deployment(),
      deployment((d) => {
        d.spec.strategy = { type: 'Recreate' };
        d.spec.template.spec.volumes = [{ name: 'data', configMap: { name: 'cfg' } }];
      }),
      'apps/v1',
      'Deployment',
    );
    expect(patch.spec).toEqual({
      strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
      template: {
        spec: {
          '$setElementOrder/volumes': [{ name: 'data' }],
          volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, emptyDir: null, name: 'data' }],
        },
      },
    });
  });

  const transitions: Array<[string, (d: Record<string, any>) => void]> = [
    ['no change', () => {}],
    ['label removed and added', (d) => {
      d.metadata.labels = { tier: 'web' };
    }],
    ['container added at the end', (d) => d.spec.template.spec.containers.push({ name: 'sidecar', image: 'envoy' })],
    ['container added at the front', (d) => d.spec.template.spec.containers.unshift({ name: 'init', image: 'busybox' })],
    ['containers reordered', (d) => {
      d.spec.template.spec.containers.unshift({ name: 'z', image: 'z' });
      d.spec.template.spec.containers.reverse();
    }],
    ['env reordered and changed', (d) => (d.spec.template.spec.containers[0].env = [{ name: 'B', value: 'x' }, { name: 'C', value: '3' }, { name: 'A', value: '1' }])],
    ['tolerations replaced', (d) => (d.spec.template.spec.tolerations = [{ key: 'b', operator: 'Exists' }])],
    ['finalizers emptied', (d) => (d.metadata.finalizers = [])],
    ['finalizers reordered', (d) => (d.metadata.finalizers = ['b', 'a'])],
    ['strategy switched', (d) => (d.spec.strategy = { type: 'Recreate' })],
    ['volume source switched', (d) => (d.spec.template.spec.volumes = [{ name: 'data', secret: { secretName: 's' } }])],
    ['field removed', (d) => delete d.spec.replicas],
    ['type changed', (d) => (d.spec.template.spec.volumes = { not: 'a list' })],
  ];
  it.each(transitions)('round-trips: applying the diff yields the modified object (%s)', (_name, mutate) => {
    const original = deployment();
    const modified = deployment(mutate);
    const patch = diffStrategicMerge(original, modified, 'apps/v1', 'Deployment');
    expect(applyStrategicMergePatch(original, patch, 'apps/v1', 'Deployment')).toEqual(modified);
  });

  it('uses a JSON merge patch for kinds without metadata', () => {
    const a = { apiVersion: 'gitplane.io/v1alpha1', kind: 'Application', spec: { list: [1, 2], x: 1 } };
    const b = { apiVersion: 'gitplane.io/v1alpha1', kind: 'Application', spec: { list: [2] } };
    expect(diffStrategicMerge(a, b, a.apiVersion, a.kind)).toEqual({ spec: { list: [2], x: null } });
  });
});
