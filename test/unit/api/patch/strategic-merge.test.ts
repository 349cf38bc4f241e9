import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch, applyStrategicMergePatchWithMeta } from '../../../../src/api/patch/strategic-merge.js';
import { mergeKeysFor, patchMetaFor, type FieldPatchMeta, type PatchMeta } from '../../../../src/api/patch/patch-meta.js';
import { StatusError } from '../../../../src/api/status.js';

/**
 * The test type of k8s.io/apimachinery's strategicpatch tests (MergeItem): a merging list by
 * name, a non-merging list, merging and non-merging int lists, a replaced map, and
 * retainKeys fields.
 */
const mergeItemFields: Record<string, FieldPatchMeta> = {};
const MergeItem: PatchMeta = { fields: mergeItemFields };
Object.assign(mergeItemFields, {
  mergingList: { strategy: 'merge', mergeKey: 'name', meta: MergeItem },
  nonMergingList: { meta: MergeItem },
  mergingIntList: { strategy: 'merge' },
  replacingItem: { strategy: 'replace' },
  retainKeysMap: { retainKeys: true, meta: MergeItem },
  retainKeysMergingList: { strategy: 'merge', mergeKey: 'name', retainKeys: true, meta: MergeItem },
});

function apply(original: object, patch: object): unknown {
  return applyStrategicMergePatchWithMeta(original, patch, MergeItem);
}

function rejection(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StatusError);
    return err as StatusError;
  }
  throw new Error('expected a StatusError');
}

describe('strategic merge patch: the semantics of k8s.io/apimachinery strategicpatch', () => {
  const cases: Array<[string, object, object, unknown]> = [
    ['adds a field', { name: 1 }, { value: 1 }, { name: 1, value: 1 }],
    ['null deletes a field', { name: 1, value: 1 }, { name: null, other: 'a' }, { value: 1, other: 'a' }],
    ['null for an absent field is dropped', { name: 1 }, { value: null }, { name: 1 }],
    ['deletes from a nested map', { simpleMap: { key1: 1, key2: 1 } }, { simpleMap: { key2: null } }, { simpleMap: { key1: 1 } }],
    ['$patch: delete empties a map', { simpleMap: { key1: 1, key2: 1 } }, { simpleMap: { $patch: 'delete' } }, { simpleMap: {} }],
    ['$patch: replace at the root', { name: 1, value: 1 }, { $patch: 'replace' }, {}],
    ['$patch: replace keeps the patch keys', { name: 1, value: 1 }, { other: 'a', $patch: 'replace' }, { other: 'a' }],
    ['$patch: replace on a nested map', { simpleMap: { a: 1, b: 2 } }, { simpleMap: { c: 3, $patch: 'replace' } }, { simpleMap: { c: 3 } }],
    ['$patch: merge is the default', { simpleMap: { a: 1 } }, { simpleMap: { b: 2, $patch: 'merge' } }, { simpleMap: { a: 1, b: 2 } }],
    ['a replace-strategy field is replaced whole', { replacingItem: { a: 1, b: 2 } }, { replacingItem: { c: 3 } }, { replacingItem: { c: 3 } }],
    ['a non-merging list is replaced', { nonMergingIntList: [1, 2] }, { nonMergingIntList: [2, 3] }, { nonMergingIntList: [2, 3] }],
    [
      'a non-merging list of maps is replaced',
      { nonMergingList: [{ name: 1, value: 1 }] },
      { nonMergingList: [{ name: 1, other: 2 }] },
      { nonMergingList: [{ name: 1, other: 2 }] },
    ],
    ['merging int lists are sets', { mergingIntList: [1, 2] }, { mergingIntList: [2, 3] }, { mergingIntList: [1, 2, 3] }],
    ['empty merging lists stay empty', { mergingList: [] }, { mergingList: [] }, { mergingList: [] }],
    ['an empty patch list leaves a merging list alone', { mergingList: [{ name: 1 }] }, { mergingList: [] }, { mergingList: [{ name: 1 }] }],
    [
      'merges list items by merge key',
      { mergingList: [{ name: 1, value: 1 }, { name: 2, value: 2 }] },
      { mergingList: [{ name: 2, other: 'b', value: null }] },
      { mergingList: [{ name: 1, value: 1 }, { name: 2, other: 'b' }] },
    ],
    [
      'merges nested merging lists',
      { mergingList: [{ name: 1, mergingList: [{ name: 'a', value: 1 }] }] },
      { mergingList: [{ name: 1, mergingList: [{ name: 'b', value: 2 }, { name: 'a', other: 3 }] }] },
      { mergingList: [{ name: 1, mergingList: [{ name: 'b', value: 2 }, { name: 'a', value: 1, other: 3 }] }] },
    ],
    [
      '$patch: delete removes list items by merge key',
      { mergingList: [{ name: 1 }, { name: 2 }] },
      { mergingList: [{ name: 1, $patch: 'delete' }, { name: 2, $patch: 'delete' }] },
      { mergingList: [] },
    ],
    [
      '$patch: delete removes every duplicate',
      { mergingList: [{ name: 1 }, { name: 1 }, { name: 2, value: 'a' }, { name: 3 }, { name: 3 }] },
      { mergingList: [{ name: 1, $patch: 'delete' }, { name: 3, $patch: 'delete' }] },
      { mergingList: [{ name: 2, value: 'a' }] },
    ],
    ['$patch: replace empties a merging list', { mergingList: [{ name: 1 }, { name: 2 }] }, { mergingList: [{ $patch: 'replace' }] }, { mergingList: [] }],
    [
      '$patch: replace replaces a merging list',
      { mergingList: [{ name: 1, value: 1 }, { name: 2 }] },
      { mergingList: [{ name: 3 }, { $patch: 'replace' }, { name: 1, other: 'x' }] },
      { mergingList: [{ name: 3 }, { name: 1, other: 'x' }] },
    ],
    [
      'preserves the order from the patch',
      { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
      { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, other: 'x' }] },
      { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }, { name: 2, value: 'b', other: 'x' }] },
    ],
    [
      'preserves the order from the patch, live-only items keeping their place',
      { mergingList: [{ name: 1 }, { name: 2, value: 'b' }, { name: 3 }] },
      { mergingList: [{ name: 3, value: 'c' }, { name: 1, value: 'a' }] },
      { mergingList: [{ name: 2, value: 'b' }, { name: 3, value: 'c' }, { name: 1, value: 'a' }] },
    ],
    ['preserves the order of a merging int list', { mergingIntList: [1, 2, 3] }, { mergingIntList: [3, 1, 2] }, { mergingIntList: [3, 1, 2] }],
    ['preserves the order of a merging int list 2', { mergingIntList: [1, 2, 3] }, { mergingIntList: [3, 1] }, { mergingIntList: [2, 3, 1] }],
    [
      'new items without $setElementOrder go before the live items, as in Kubernetes',
      { mergingList: [{ name: 1 }, { name: 2 }] },
      { mergingList: [{ name: 3 }] },
      { mergingList: [{ name: 3 }, { name: 1 }, { name: 2 }] },
    ],
    [
      '$setElementOrder may name items that are not in the list',
      { mergingList: [{ name: 1 }, { name: 3 }] },
      { '$setElementOrder/mergingList': [{ name: 3 }, { name: 2 }, { name: 1 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
      { mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
    ],
    [
      '$setElementOrder on an int list without a patch list',
      { mergingIntList: [1, 3] },
      { '$setElementOrder/mergingIntList': [3, 2, 1] },
      { mergingIntList: [3, 1] },
    ],
    [
      '$setElementOrder places new items, live-only items keep their place',
      { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
      { '$setElementOrder/mergingList': [{ name: 4 }, { name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 4, value: 4 }, { name: 3, value: 3 }] },
      { mergingList: [{ name: 4, value: 4 }, { name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }] },
    ],
    [
      '$setElementOrder keeps items the patch does not mention',
      { name: 'hi', mergingList: [{ name: 'hello2' }] },
      {
        '$setElementOrder/mergingList': [{ name: 'hello' }, { name: 'doesntexist' }],
        mergingList: [{ name: 'hello' }, { $patch: 'delete', name: 'doesntexist' }],
      },
      { name: 'hi', mergingList: [{ name: 'hello' }, { name: 'hello2' }] },
    ],
    [
      'a $patch: delete for an absent list adds nothing',
      { name: 'hi' },
      { mergingList: [{ name: 'hello' }, { $patch: 'delete', name: 'doesntexist' }] },
      { name: 'hi', mergingList: [{ name: 'hello' }] },
    ],
    [
      '$deleteFromPrimitiveList with $setElementOrder',
      { mergingIntList: [1, 2, 3, 4] },
      { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
      { mergingIntList: [1, 2, 4] },
    ],
    [
      '$deleteFromPrimitiveList removes duplicates too',
      { mergingIntList: [1, 2, 3, 3, 4] },
      { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
      { mergingIntList: [1, 2, 4] },
    ],
    [
      'adds and deletes in one list of scalars',
      { mergingIntList: [1, 2, 3, 4] },
      { '$setElementOrder/mergingIntList': [1, 2, 4], '$deleteFromPrimitiveList/mergingIntList': [3], mergingIntList: [4] },
      { mergingIntList: [1, 2, 4] },
    ],
    ['$deleteFromPrimitiveList of a missing item', { mergingIntList: [1, 2] }, { '$deleteFromPrimitiveList/mergingIntList': [3] }, { mergingIntList: [1, 2] }],
    ['$deleteFromPrimitiveList on an empty list', { mergingIntList: [] }, { '$deleteFromPrimitiveList/mergingIntList': [3] }, { mergingIntList: [] }],
    ['$deleteFromPrimitiveList never adds the list', { foo: ['bar'] }, { '$deleteFromPrimitiveList/mergingIntList': [3] }, { foo: ['bar'] }],
    ['$deleteFromPrimitiveList from a merging list', { mergingIntList: [1, 2, 3] }, { '$deleteFromPrimitiveList/mergingIntList': [2] }, { mergingIntList: [1, 3] }],
    ['$deleteFromPrimitiveList from a non-merging list', { nonMergingIntList: [1, 2, 3] }, { '$deleteFromPrimitiveList/nonMergingIntList': [2] }, { nonMergingIntList: [1, 3] }],
    ['retainKeys map: adds without a directive', { retainKeysMap: { name: 'foo' } }, { retainKeysMap: { value: 'bar' } }, { retainKeysMap: { name: 'foo', value: 'bar' } }],
    ['retainKeys map: deletes without a directive', { retainKeysMap: { name: 'foo', value: 'a' } }, { retainKeysMap: { value: null } }, { retainKeysMap: { name: 'foo' } }],
    ['retainKeys map: merges an empty map', { retainKeysMap: { name: 'foo', value: 'a' } }, { retainKeysMap: {} }, { retainKeysMap: { name: 'foo', value: 'a' } }],
    [
      '$retainKeys clears keys it does not name',
      { retainKeysMap: { name: 'foo', value: 'a', other: 'b', simpleMap: { x: 1 } } },
      { retainKeysMap: { $retainKeys: ['name', 'simpleMap', 'value'], value: 'c', other: null } },
      { retainKeysMap: { name: 'foo', value: 'c', simpleMap: { x: 1 } } },
    ],
    [
      '$retainKeys in merging list items',
      { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', value: 'a', other: 'x' }] },
      { retainKeysMergingList: [{ name: 'foo', other: 'y', $retainKeys: ['name', 'other'] }] },
      { retainKeysMergingList: [{ name: 'bar' }, { name: 'foo', other: 'y' }] },
    ],
    ['a type change replaces the value', { mergingList: { name: 1 } }, { mergingList: [{ name: 2 }] }, { mergingList: [{ name: 2 }] }],
    [
      'a map added where none was is cleaned of directives and nulls',
      {},
      { simpleMap: { a: null, b: 1, nested: { c: null } } },
      { simpleMap: { b: 1, nested: {} } },
    ],
  ];
  it.each(cases)('%s', (_name, original, patch, want) => {
    expect(apply(original, patch)).toEqual(want);
  });

  const errors: Array<[string, object, object, string | RegExp]> = [
    [
      'the order in $setElementOrder must match the patch list',
      { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] },
      { '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }], mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
      /doesn't match \$setElementOrder list/,
    ],
    [
      'the order in an int $setElementOrder must match',
      { mergingIntList: [1, 3, 2] },
      { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3, 1] },
      /doesn't match \$setElementOrder list/,
    ],
    ['a missing merge key', { mergingList: [{ name: 1, value: 'a' }] }, { mergingList: [{ value: 'b' }] }, 'map: {"value":"b"} does not contain declared merge key: name'],
    ['a $patch: delete without its merge key', { mergingList: [{ name: 1 }] }, { mergingList: [{ $patch: 'delete' }] }, /does not contain declared merge key: name/],
    ['an unknown $patch on a map', { simpleMap: {} }, { simpleMap: { $patch: 'nuke' } }, 'unknown patch type: "nuke" in map: {"$patch":"nuke"}'],
    ['an unknown $patch in a list', { mergingList: [] }, { mergingList: [{ name: 1, $patch: 'nuke' }] }, /unknown patch type: "nuke"/],
    ['$retainKeys must be a list', { retainKeysMap: {} }, { retainKeysMap: { $retainKeys: 'name' } }, 'invalid patch format of retainKeys'],
    ['$retainKeys must name every patched key', { retainKeysMap: {} }, { retainKeysMap: { $retainKeys: ['name'], value: 'x' } }, 'invalid patch format of retainKeys'],
    ['$deleteFromPrimitiveList must be a list', { mergingIntList: [1] }, { '$deleteFromPrimitiveList/mergingIntList': 1 }, 'invalid patch format of primitive list'],
    ['$deleteFromPrimitiveList needs a field', { mergingIntList: [1] }, { $deleteFromPrimitiveList: [1] }, 'invalid patch format of primitive list'],
    ['$setElementOrder must be a list', { mergingList: [] }, { '$setElementOrder/mergingList': {} }, 'invalid patch format of setElementOrder list'],
    ['lists of lists', { mergingIntList: [[1]] }, { mergingIntList: [[2]] }, 'lists of lists are not supported'],
    ['mixed maps and scalars', { mergingList: [{ name: 1 }] }, { mergingList: [2] }, /list element types are not identical/],
  ];
  it.each(errors)('rejects %s with a 400', (_name, original, patch, message) => {
    const err = rejection(() => apply(original, patch));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });

  it('rejects a patch that is not an object', () => {
    expect(rejection(() => applyStrategicMergePatch({}, [] as unknown as object, 'v1', 'Pod')).message).toBe('invalid JSON document');
  });
});

// ---- real objects and the patches kubectl sends ----

function nginxDeployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx', tier: 'web' }, finalizers: ['a', 'b'], resourceVersion: '7' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
                { name: 'C', value: '3' },
              ],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
              resources: { limits: { cpu: '1' } },
            },
            { name: 'sidecar', image: 'envoy:1' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [
            { key: 'a', operator: 'Exists' },
            { key: 'b', operator: 'Exists' },
          ],
        },
      },
    },
    status: { conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] },
  };
}

function smp(obj: Record<string, any>, patch: object): Record<string, any> {
  return applyStrategicMergePatch(obj, patch, obj.apiVersion, obj.kind) as Record<string, any>;
}

describe('strategic merge patch on built-in kinds', () => {
  it('kubectl apply: $setElementOrder plus a changed image keeps the container ports', () => {
    const live = nginxDeployment();
    const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx"},"spec":{"replicas":3}}';
    const out = smp(live, {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
      spec: {
        replicas: 3,
        template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] } },
      },
    });
    const [nginx, sidecar] = out.spec.template.spec.containers;
    expect(nginx).toEqual({ ...live.spec.template.spec.containers[0], image: 'nginx:1.26' });
    expect(nginx.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(sidecar).toEqual({ name: 'sidecar', image: 'envoy:1' }); // not in $setElementOrder: kept, after nginx
    expect(out.spec.replicas).toBe(3);
    expect(out.metadata.annotations).toEqual({ 'kubectl.kubernetes.io/last-applied-configuration': lastApplied });
    expect(out.metadata.labels).toEqual(live.metadata.labels);
    expect(out.status).toEqual(live.status);
  });

  it('kubectl set image: a container patch by name changes only the image', () => {
    const live = nginxDeployment();
    const out = smp(live, { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy:2' }] } } } });
    const want = nginxDeployment();
    want.spec.template.spec.containers[1].image = 'envoy:2';
    // sidecar is in the patch and nginx is before it in the live list, so the order holds.
    expect(out).toEqual(want);
  });

  it('kubectl cordon: {"spec":{"unschedulable":true}} on a Node', () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
      spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'k', effect: 'NoSchedule' }] },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'node-1' }] },
    };
    const cordoned = smp(node, { spec: { unschedulable: true } });
    expect(cordoned.spec).toEqual({ ...node.spec, unschedulable: true });
    expect(smp(cordoned, { spec: { unschedulable: null } }).spec).toEqual(node.spec); // uncordon as a delete
    // Node status addresses merge by type; podCIDRs merge as a set; taints are replaced.
    const patched = smp(node, {
      spec: { podCIDRs: ['fd00::/64'], taints: [{ key: 'other', effect: 'NoExecute' }] },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] },
    });
    expect(patched.spec.podCIDRs).toEqual(['fd00::/64', '10.244.1.0/24']);
    expect(patched.spec.taints).toEqual([{ key: 'other', effect: 'NoExecute' }]);
    expect(patched.status.addresses).toEqual([
      { type: 'InternalIP', address: '10.0.0.2' },
      { type: 'Hostname', address: 'node-1' },
    ]);
  });

  it('$patch: delete removes a container by name', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: structuredClone(nginxDeployment().spec.template.spec) };
    const out = smp(pod, { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } });
    expect(out.spec.containers.map((c: { name: string }) => c.name)).toEqual(['nginx']);
    expect(out.spec.containers[0]).toEqual(pod.spec.containers[0]);
  });

  it('$patch: replace on the containers list replaces it', () => {
    const out = smp(nginxDeployment(), { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'busybox' }] } } } });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'only', image: 'busybox' }]);
  });

  it('$retainKeys switches a Deployment strategy and a volume source, as kubectl apply sends it', () => {
    const out = smp(nginxDeployment(), {
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
        template: {
          spec: {
            '$setElementOrder/volumes': [{ name: 'data' }],
            volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, name: 'data' }],
          },
        },
      },
    });
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    expect(out.spec.template.spec.volumes).toEqual([{ name: 'data', configMap: { name: 'cfg' } }]);
  });

  it('without $retainKeys the old volume source would survive', () => {
    const out = smp(nginxDeployment(), { spec: { template: { spec: { volumes: [{ name: 'data', configMap: { name: 'cfg' } }] } } } });
    expect(out.spec.template.spec.volumes).toEqual([{ name: 'data', emptyDir: {}, configMap: { name: 'cfg' } }]);
  });

  it('metadata.finalizers merge as a set and $deleteFromPrimitiveList removes from it', () => {
    const live = nginxDeployment();
    expect(smp(live, { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers).toEqual(['a', 'b', 'c']);
    expect(smp(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers).toEqual(['b']);
    expect(smp(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'b'] } }).metadata.finalizers).toEqual([]);
    expect(smp(live, { metadata: { finalizers: null } }).metadata.finalizers).toBeUndefined();
    // The patch kubectl apply computes when a finalizer leaves the manifest:
    expect(
      smp(live, { metadata: { '$setElementOrder/finalizers': ['b'], '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers,
    ).toEqual(['b']);
  });

  it('env merges by name: change one, add one, delete one', () => {
    const out = smp(nginxDeployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'nginx',
                env: [
                  { name: 'B', value: 'two' },
                  { name: 'D', value: '4' },
                  { name: 'A', $patch: 'delete' },
                ],
              },
            ],
          },
        },
      },
    });
    expect(out.spec.template.spec.containers[0].env).toEqual([
      { name: 'B', value: 'two' },
      { name: 'D', value: '4' },
      { name: 'C', value: '3' },
    ]);
  });

  it('env with $setElementOrder takes the declared order, with valueFrom replacing value via null', () => {
    const out = smp(nginxDeployment(), {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
            containers: [
              {
                name: 'nginx',
                '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }, { name: 'B' }],
                env: [{ name: 'A', value: null, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              },
            ],
          },
        },
      },
    });
    expect(out.spec.template.spec.containers[0].env).toEqual([
      { name: 'C', value: '3' },
      { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'B', value: '2' },
    ]);
  });

  it('null deletes keys anywhere, including inside merged list items', () => {
    const out = smp(nginxDeployment(), {
      metadata: { labels: { tier: null } },
      spec: { strategy: null, template: { spec: { containers: [{ name: 'nginx', resources: null, volumeMounts: null }] } } },
    });
    expect(out.metadata.labels).toEqual({ app: 'nginx' });
    expect(out.spec.strategy).toBeUndefined();
    expect(out.spec.template.spec.containers[0]).toEqual({
      name: 'nginx',
      image: 'nginx:1.25',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      env: nginxDeployment().spec.template.spec.containers[0].env,
    });
  });

  it('tolerations have no merge key in Kubernetes, so a patch replaces them', () => {
    const out = smp(nginxDeployment(), { spec: { template: { spec: { tolerations: [{ key: 'c', operator: 'Exists' }] } } } });
    expect(out.spec.template.spec.tolerations).toEqual([{ key: 'c', operator: 'Exists' }]);
  });

  it('container ports merge by containerPort; volumeMounts by mountPath', () => {
    const out = smp(nginxDeployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'nginx',
                ports: [{ containerPort: 443, protocol: 'TCP' }, { containerPort: 80, name: 'http' }],
                volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
              },
            ],
          },
        },
      },
    });
    const c = out.spec.template.spec.containers[0];
    expect(c.ports).toEqual([
      { containerPort: 443, protocol: 'TCP' },
      { containerPort: 80, protocol: 'TCP', name: 'http' },
    ]);
    expect(c.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: true }]);
  });

  it('status conditions merge by type', () => {
    const out = smp(nginxDeployment(), { status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } });
    expect(out.status.conditions).toEqual([
      { type: 'Available', status: 'True' },
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
    ]);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { conditions: [{ type: 'PodScheduled', status: 'True' }] } };
    expect(smp(pod, { status: { conditions: [{ type: 'Ready', status: 'True' }], podIPs: [{ ip: '10.0.0.5' }] } }).status).toEqual({
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }],
      podIPs: [{ ip: '10.0.0.5' }],
    });
  });

  it('ownerReferences merge by uid', () => {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u1', controller: true }] },
    };
    const out = smp(rs, { metadata: { ownerReferences: [{ uid: 'u1', blockOwnerDeletion: true }, { apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u2' }] } });
    expect(out.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u1', controller: true, blockOwnerDeletion: true },
      { apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u2' },
    ]);
    expect(smp(rs, { metadata: { ownerReferences: [{ uid: 'u1', $patch: 'delete' }] } }).metadata.ownerReferences).toEqual([]);
  });

  it('Service ports merge by port', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443 }] },
    };
    const out = smp(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
    expect(out.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 9090 }, { name: 'https', port: 443 }]);
  });

  it('Endpoints subsets have no merge key and are replaced', () => {
    const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 's' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] };
    const out = smp(ep, { subsets: [{ addresses: [{ ip: '10.0.0.2' }] }] });
    expect(out.subsets).toEqual([{ addresses: [{ ip: '10.0.0.2' }] }]);
  });

  it('reaches pod templates in Jobs, DaemonSets and CronJob job templates', () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: {
        schedule: '* * * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox', args: ['a'] }] } } } },
      },
    };
    const out = smp(cron, { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', image: 'busybox:2' }] } } } } } });
    expect(out.spec.jobTemplate.spec.template.spec.containers).toEqual([{ name: 'job', image: 'busybox:2', args: ['a'] }]);
    for (const [apiVersion, kind] of [
      ['batch/v1', 'Job'],
      ['apps/v1', 'DaemonSet'],
      ['apps/v1', 'ReplicaSet'],
    ]) {
      const obj = { apiVersion, kind, metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } } };
      expect(smp(obj, { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } }).spec.template.spec.containers).toEqual([
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:2' },
      ]);
    }
  });

  it('falls back to JSON merge patch for kinds without patch metadata', () => {
    const app = {
      apiVersion: 'gitplane.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a', finalizers: ['x'] },
      spec: { syncPolicy: { syncOptions: ['Prune=true'] }, source: { repoURL: 'r', path: 'p' } },
    };
    const out = smp(app, { metadata: { finalizers: ['y'] }, spec: { syncPolicy: { syncOptions: ['CreateNamespace=true'] }, source: { path: null } } });
    expect(out).toEqual({
      apiVersion: 'gitplane.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a', finalizers: ['y'] },
      spec: { syncPolicy: { syncOptions: ['CreateNamespace=true'] }, source: { repoURL: 'r' } },
    });
    // A CRD-like object of an unknown group behaves the same.
    expect(applyStrategicMergePatch({ spec: { list: [1, 2] } }, { spec: { list: [3] } }, 'example.com/v1', 'Widget')).toEqual({ spec: { list: [3] } });
  });

  it('never mutates the target or the patch', () => {
    const live = nginxDeployment();
    const liveCopy = structuredClone(live);
    const patch = {
      metadata: { labels: { tier: null }, '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }],
            containers: [{ name: 'nginx', env: [{ name: 'A', $patch: 'delete' }, { name: 'Z', value: 'z' }] }],
          },
        },
      },
    };
    const patchCopy = structuredClone(patch);
    const out = smp(live, patch);
    expect(live).toEqual(liveCopy);
    expect(patch).toEqual(patchCopy);
    expect(out.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['sidecar', 'nginx']);
    out.spec.template.spec.containers[1].env[0].value = 'mutated';
    out.spec.template.spec.containers[0].image = 'mutated';
    expect(live).toEqual(liveCopy);
    expect(patch).toEqual(patchCopy);
  });

  it('rejects a container without a name', () => {
    const err = rejection(() => smp(nginxDeployment(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }));
    expect(err.code).toBe(400);
    expect(err.message).toBe('map: {"image":"x"} does not contain declared merge key: name');
  });

  it('treats __proto__ and constructor as ordinary keys', () => {
    const out = smp(nginxDeployment(), JSON.parse('{"metadata":{"labels":{"__proto__":{"x":1},"constructor":"c"}}}'));
    expect(Object.getPrototypeOf(out.metadata.labels)).toBe(Object.prototype);
    expect(Object.keys(out.metadata.labels)).toEqual(['app', 'tier', '__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('the merge key table', () => {
  it('is derived from the k8s.io/api struct tags', () => {
    const byPath = Object.fromEntries(mergeKeysFor('apps/v1', 'Deployment').map(({ path, ...rest }) => [path, rest]));
    expect(byPath).toEqual({
      'metadata.ownerReferences': { strategy: 'merge', mergeKey: 'uid' },
      'metadata.finalizers': { strategy: 'merge' },
      'spec.template.metadata.ownerReferences': { strategy: 'merge', mergeKey: 'uid' },
      'spec.template.metadata.finalizers': { strategy: 'merge' },
      'spec.template.spec.volumes': { strategy: 'merge', mergeKey: 'name', retainKeys: true },
      'spec.template.spec.initContainers': { strategy: 'merge', mergeKey: 'name' },
      'spec.template.spec.initContainers[].ports': { strategy: 'merge', mergeKey: 'containerPort' },
      'spec.template.spec.initContainers[].env': { strategy: 'merge', mergeKey: 'name' },
      'spec.template.spec.initContainers[].volumeMounts': { strategy: 'merge', mergeKey: 'mountPath' },
      'spec.template.spec.initContainers[].volumeDevices': { strategy: 'merge', mergeKey: 'devicePath' },
      'spec.template.spec.containers': { strategy: 'merge', mergeKey: 'name' },
      'spec.template.spec.containers[].ports': { strategy: 'merge', mergeKey: 'containerPort' },
      'spec.template.spec.containers[].env': { strategy: 'merge', mergeKey: 'name' },
      'spec.template.spec.containers[].volumeMounts': { strategy: 'merge', mergeKey: 'mountPath' },
      'spec.template.spec.containers[].volumeDevices': { strategy: 'merge', mergeKey: 'devicePath' },
      'spec.template.spec.ephemeralContainers': { strategy: 'merge', mergeKey: 'name' },
      'spec.template.spec.ephemeralContainers[].ports': { strategy: 'merge', mergeKey: 'containerPort' },
      'spec.template.spec.ephemeralContainers[].env': { strategy: 'merge', mergeKey: 'name' },
      'spec.template.spec.ephemeralContainers[].volumeMounts': { strategy: 'merge', mergeKey: 'mountPath' },
      'spec.template.spec.ephemeralContainers[].volumeDevices': { strategy: 'merge', mergeKey: 'devicePath' },
      'spec.template.spec.imagePullSecrets': { strategy: 'merge', mergeKey: 'name' },
      'spec.template.spec.hostAliases': { strategy: 'merge', mergeKey: 'ip' },
      'spec.template.spec.topologySpreadConstraints': { strategy: 'merge', mergeKey: 'topologyKey' },
      'spec.template.spec.schedulingGates': { strategy: 'merge', mergeKey: 'name' },
      'spec.template.spec.resourceClaims': { strategy: 'merge', mergeKey: 'name', retainKeys: true },
      'spec.strategy': { retainKeys: true },
      'status.conditions': { strategy: 'merge', mergeKey: 'type' },
    });
  });

  it('covers every served kind but Application', () => {
    for (const [apiVersion, kind] of [
      ['v1', 'Namespace'],
      ['v1', 'Pod'],
      ['v1', 'Node'],
      ['v1', 'Service'],
      ['v1', 'Endpoints'],
      ['v1', 'ConfigMap'],
      ['v1', 'Secret'],
      ['v1', 'Event'],
      ['coordination.k8s.io/v1', 'Lease'],
      ['apps/v1', 'Deployment'],
      ['apps/v1', 'ReplicaSet'],
      ['apps/v1', 'DaemonSet'],
      ['batch/v1', 'Job'],
      ['batch/v1', 'CronJob'],
    ]) {
      expect(patchMetaFor(apiVersion, kind), `${apiVersion} ${kind}`).toBeDefined();
      expect(mergeKeysFor(apiVersion, kind).map((f) => f.path)).toContain('metadata.finalizers');
    }
    expect(patchMetaFor('gitplane.io/v1alpha1', 'Application')).toBeUndefined();
    expect(patchMetaFor('apps/v1', 'Pod')).toBeUndefined();
    expect(mergeKeysFor('example.com/v1', 'Widget')).toEqual([]);
    const paths = mergeKeysFor('v1', 'Pod').map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['spec.containers', 'status.conditions', 'status.podIPs', 'status.hostIPs']));
    expect(paths).not.toContain('spec.tolerations');
    expect(mergeKeysFor('batch/v1', 'CronJob').map((f) => f.path)).toContain('spec.jobTemplate.spec.template.spec.containers[].env');
  });
});
