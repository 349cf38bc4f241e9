// The DaemonSet controller against a real in-process API server. Daemon pods
// are pinned to nodes with required node affinity (matchFields metadata.name)
// and bound by the scheduler; here a test-local agent plays scheduler and
// kubelet: it binds each pod to the node its affinity names, reports bound
// pods Running and Ready, and confirms the termination of deleted pods.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonSet, Node, Pod } from '../../../src/api/generated/index.js';
import type { Client } from '../../../src/client/index.js';
import { newDaemonSetController } from '../../../src/controller/daemonset/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

let t: ControllerTest;
let client: Client;
const ns = 'daemons';
let stopAgent: () => Promise<void>;

/** Binds, starts and finishes deleting pods in `ns` until stopped. */
function startAgent(): () => Promise<void> {
  let stopped = false;
  const pods = client.pods.namespace(ns);
  const loop = (async () => {
    while (!stopped) {
      try {
        const nodes = new Set((await client.nodes.list()).items.map((n) => n.metadata?.name));
        for (const pod of (await pods.list()).items) {
          const name = pod.metadata!.name!;
          if (pod.metadata?.deletionTimestamp) {
            await pods.delete(name, { gracePeriodSeconds: 0 }).catch(() => undefined);
          } else if (!pod.spec?.nodeName) {
            const target = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
            if (target && nodes.has(target)) await pods.bind(name, target).catch(() => undefined);
          } else if (pod.status?.phase === 'Pending') {
            const now = new Date().toISOString();
            await pods
              .updateStatus({ ...pod, status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } })
              .catch(() => undefined);
          }
        }
      } catch {
        // the next round retries
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

beforeAll(async () => {
  t = await startControllerTest();
  client = t.client;
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await t.run(newDaemonSetController(t.ctx));
  stopAgent = startAgent();
});

afterAll(async () => {
  await stopAgent?.();
  await t?.close();
});

function node(name: string, labels: Record<string, string> = { role: 'worker' }, taints: NonNullable<Node['spec']>['taints'] = []): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } };
}

function daemonSet(name: string, image = 'agent:v1', maxUnavailable: number | string = 1): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { role: 'worker' }, containers: [{ name: 'agent', image }] },
      },
    },
  };
}

async function daemonPods(name: string): Promise<Pod[]> {
  return (await client.pods.namespace(ns).list({ labelSelector: `app=${name}` })).items;
}

function nodeOf(pod: Pod): string | undefined {
  return pod.spec?.nodeName ?? pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
}

/** node → live pods, when every listed node has exactly one running, ready pod and no other node has any. */
async function onePodPer(name: string, nodes: string[]): Promise<Map<string, Pod> | undefined> {
  const pods = (await daemonPods(name)).filter((p) => !p.metadata?.deletionTimestamp);
  const byNode = new Map<string, Pod>();
  for (const p of pods) {
    const n = nodeOf(p)!;
    if (byNode.has(n)) return undefined;
    byNode.set(n, p);
  }
  if (byNode.size !== nodes.length || !nodes.every((n) => byNode.get(n)?.status?.phase === 'Running')) return undefined;
  return byNode;
}

describe('DaemonSet controller', () => {
  it('runs one pod per eligible node, follows nodes coming and going, and reports status', async () => {
    await client.nodes.create(node('n1'));
    await client.nodes.create(node('n2'));
    await client.nodes.create(node('n3', { role: 'worker' }, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]));
    await client.nodes.create(node('n4', { role: 'storage' }));
    // Taints every daemon pod tolerates do not keep it away.
    await client.nodes.create(node('n5', { role: 'worker' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]));
    await client.daemonSets.namespace(ns).create(daemonSet('agent'));

    const byNode = await eventually(() => onePodPer('agent', ['n1', 'n2', 'n5']), 'one pod on n1, n2 and n5');
    const pod = byNode.get('n1')!;
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
    ]);
    expect(pod.spec?.tolerations).toEqual(
      expect.arrayContaining([
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      ]),
    );
    expect(pod.metadata?.labels?.['controller-revision-hash']).toMatch(/^[a-z0-9]+$/);
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'agent', controller: true });

    await eventually(async () => {
      const s = (await client.daemonSets.namespace(ns).get('agent')).status;
      return (
        s?.desiredNumberScheduled === 3 &&
        s.currentNumberScheduled === 3 &&
        s.numberReady === 3 &&
        s.numberAvailable === 3 &&
        s.updatedNumberScheduled === 3 &&
        s.numberMisscheduled === 0 &&
        s.observedGeneration === 1
      );
    }, 'status to count three ready pods');

    // A new node gets a pod; a deleted node loses its pod; a node that stops matching loses it too.
    await client.nodes.create(node('n6'));
    await eventually(() => onePodPer('agent', ['n1', 'n2', 'n5', 'n6']), 'a pod on the new node n6');
    await client.nodes.delete('n1');
    await eventually(async () => (await onePodPer('agent', ['n2', 'n5', 'n6'])) && (await daemonPods('agent')).every((p) => nodeOf(p) !== 'n1'), 'the pod on n1 to go');
    await client.nodes.patch('n2', { metadata: { labels: { role: 'storage' } } });
    await eventually(async () => (await onePodPer('agent', ['n5', 'n6'])) && (await daemonPods('agent')).every((p) => nodeOf(p) !== 'n2'), 'the pod on n2 to go');
    // Tainting a node NoExecute evicts the daemon; removing the taint brings it back.
    await client.nodes.patch('n6', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    await eventually(() => onePodPer('agent', ['n5']), 'the pod on the NoExecute-tainted node to go');
    await client.nodes.patch('n6', { spec: { taints: [] } });
    await eventually(() => onePodPer('agent', ['n5', 'n6']), 'the pod on n6 to come back');
    await eventually(async () => {
      const s = (await client.daemonSets.namespace(ns).get('agent')).status;
      return s?.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.numberReady === 2;
    }, 'status to count two');
  });

  it('rolls out a new template within maxUnavailable', async () => {
    for (const n of ['r1', 'r2', 'r3', 'r4']) await client.nodes.create(node(n, { pool: 'roll' }));
    const ds = daemonSet('roller', 'agent:v1', 1);
    ds.spec!.template.spec!.nodeSelector = { pool: 'roll' };
    await client.daemonSets.namespace(ns).create(ds);
    const nodes = ['r1', 'r2', 'r3', 'r4'];
    const first = await eventually(async () => {
      const m = await onePodPer('roller', nodes);
      return m && [...m.values()].every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? m : undefined;
    }, 'four ready pods');
    const oldHash = first.get('r1')!.metadata?.labels?.['controller-revision-hash'];

    await client.daemonSets.namespace(ns).patch('roller', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:v2' }] } } } }, 'strategic');
    let maxUnavailable = 0;
    const done = await eventually(async () => {
      const pods = await daemonPods('roller');
      const available = new Set(
        pods
          .filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
          .map(nodeOf),
      );
      maxUnavailable = Math.max(maxUnavailable, nodes.filter((n) => !available.has(n)).length);
      const m = await onePodPer('roller', nodes);
      return m && [...m.values()].every((p) => p.spec?.containers[0].image === 'agent:v2') ? m : undefined;
    }, 'every node to run the new template');
    expect(maxUnavailable).toBeLessThanOrEqual(1);
    const newHash = done.get('r1')!.metadata?.labels?.['controller-revision-hash'];
    expect(newHash).not.toBe(oldHash);
    expect([...done.values()].every((p) => p.metadata?.labels?.['controller-revision-hash'] === newHash)).toBe(true);
    await eventually(async () => {
      const s = (await client.daemonSets.namespace(ns).get('roller')).status;
      return s?.updatedNumberScheduled === 4 && s.numberAvailable === 4 && s.observedGeneration === 2;
    }, 'status to count four updated pods');
  });

  it('leaves old pods alone with OnDelete until they are deleted', async () => {
    await client.nodes.create(node('o1', { pool: 'ondelete' }));
    const ds = daemonSet('lazy');
    ds.spec!.updateStrategy = { type: 'OnDelete' };
    ds.spec!.template.spec!.nodeSelector = { pool: 'ondelete' };
    await client.daemonSets.namespace(ns).create(ds);
    const first = (await eventually(() => onePodPer('lazy', ['o1']), 'a pod on o1')).get('o1')!;
    await client.daemonSets.namespace(ns).patch('lazy', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:v2' }] } } } }, 'strategic');
    await eventually(async () => (await client.daemonSets.namespace(ns).get('lazy')).status?.observedGeneration === 2, 'the controller to see the new template');
    expect((await daemonPods('lazy')).map((p) => p.metadata?.name)).toEqual([first.metadata?.name]);
    await client.pods.namespace(ns).delete(first.metadata!.name!);
    const next = (await eventually(async () => {
      const m = await onePodPer('lazy', ['o1']);
      return m && m.get('o1')!.metadata?.name !== first.metadata?.name ? m : undefined;
    }, 'a replacement pod')).get('o1')!;
    expect(next.spec?.containers[0].image).toBe('agent:v2');
  });
});
