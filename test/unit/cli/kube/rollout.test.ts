// rollout, logs, scale and delete decisions without a cluster: kubectl's
// rollout status messages, revision history and the undo patch, which pod and
// container logs pick, scale preconditions and --cascade values.
import { describe, expect, it } from 'vitest';
import type { DaemonSet, Deployment, Pod, ReplicaSet } from '../../../../src/api/generated/index.js';
import { parseCascade } from '../../../../src/cli/kube/delete.js';
import { chooseContainers, pickPod } from '../../../../src/cli/kube/logs.js';
import { historyTable, rollbackPatch, rollbackTarget, sameTemplate } from '../../../../src/cli/kube/rollout-history.js';
import { daemonSetRolloutStatus, deploymentRolloutStatus } from '../../../../src/cli/kube/rollout-status.js';
import { checkPreconditions } from '../../../../src/cli/kube/scale.js';

function deployment(status: Deployment['status'], extra: { generation?: number; replicas?: number } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', generation: extra.generation ?? 1, annotations: { 'deployment.kubernetes.io/revision': '3', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: { replicas: extra.replicas ?? 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } } },
    status: { observedGeneration: 1, ...status },
  };
}

describe('rollout status', () => {
  it.each([
    [deployment({}, { generation: 2 }), 'Waiting for deployment spec update to be observed...'],
    [deployment({ updatedReplicas: 1, replicas: 3 }), 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...'],
    [deployment({ updatedReplicas: 3, replicas: 4 }), 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...'],
    [deployment({ updatedReplicas: 3, replicas: 3, availableReplicas: 1 }), 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...'],
  ])('%#: %s', (d, message) => {
    expect(deploymentRolloutStatus(d)).toEqual({ done: false, message });
  });

  it('done, and failed past the progress deadline', () => {
    expect(deploymentRolloutStatus(deployment({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 }))).toEqual({ done: true, message: 'deployment "web" successfully rolled out' });
    const stuck = deployment({ updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
    expect(deploymentRolloutStatus(stuck).error).toBe('deployment "web" exceeded its progress deadline');
  });

  it('daemon sets', () => {
    const ds = (status: Partial<NonNullable<DaemonSet['status']>>): DaemonSet => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', generation: 1 },
      spec: { selector: {}, template: {} },
      status: { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, observedGeneration: 1, ...status },
    });
    expect(daemonSetRolloutStatus(ds({ updatedNumberScheduled: 1 })).message).toBe('Waiting for daemon set "agent" rollout to finish: 1 out of 2 new pods have been updated...');
    expect(daemonSetRolloutStatus(ds({ updatedNumberScheduled: 2, numberAvailable: 2 }))).toEqual({ done: true, message: 'daemon set "agent" successfully rolled out' });
  });
});

function rs(name: string, revision: string | undefined, image: string, extra: Record<string, string> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, annotations: { ...(revision ? { 'deployment.kubernetes.io/revision': revision } : {}), ...extra } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': name.split('-')[1]! } }, spec: { containers: [{ name: 'c', image, resources: {} }] } },
    },
  };
}

describe('rollout history and undo', () => {
  const rss = [rs('web-b', '2', 'nginx:1.25', { 'kubernetes.io/change-cause': 'kubectl set image' }), rs('web-a', '1', 'nginx:1.24'), rs('web-c', '3', 'nginx:1.26'), rs('web-x', undefined, 'x')];

  it('lists revisions with their change cause', () => {
    expect(historyTable(rss).split('\n')).toEqual(['REVISION  CHANGE-CAUSE', '1         <none>', '2         kubectl set image', '3         <none>']);
    expect(historyTable([])).toBe('No rollout history found.');
  });

  it('goes back to the previous revision, or the one asked for', () => {
    const d = deployment({});
    expect(rollbackTarget(d, rss, 0).rs.metadata.name).toBe('web-b');
    expect(rollbackTarget(d, rss, 1).rs.metadata.name).toBe('web-a');
    expect(() => rollbackTarget(d, rss, 9)).toThrow('unable to find specified revision 9 in history');
    expect(() => rollbackTarget(d, [rss[0]!], 0)).toThrow('no rollout history found for deployment "web"');
  });

  it('the undo patch copies the template without its hash label, and the annotations kubectl copies', () => {
    const d = deployment({});
    const patch = rollbackPatch(d, rss[0]!);
    expect(patch[0]).toEqual({ op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: {} }] } } });
    expect(patch[1]).toEqual({
      op: 'replace',
      path: '/metadata/annotations',
      value: { 'deployment.kubernetes.io/revision': '3', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'kubernetes.io/change-cause': 'kubectl set image' },
    });
  });

  it('templates compare without the hash label and empty fields', () => {
    const d = deployment({});
    expect(sameTemplate(d.spec!.template, rss[2]!.spec!.template)).toBe(true);
    expect(sameTemplate(d.spec!.template, rss[0]!.spec!.template)).toBe(false);
  });
});

function pod(name: string, opts: { node?: string; phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'; ready?: boolean; deleting?: boolean; containers?: string[]; annotations?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, creationTimestamp: '2026-01-01T00:00:00Z', ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}), ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: { ...(opts.node ? { nodeName: opts.node } : {}), containers: (opts.containers ?? ['c']).map((c) => ({ name: c, image: 'i' })) },
    status: { phase: opts.phase ?? 'Pending', conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }] },
  };
}

describe('logs', () => {
  it('picks a scheduled, running, ready pod that is not being deleted', () => {
    const pods = [pod('pending'), pod('running', { node: 'n', phase: 'Running' }), pod('ready', { node: 'n', phase: 'Running', ready: true }), pod('gone', { node: 'n', phase: 'Running', ready: true, deleting: true })];
    expect(pickPod(pods)?.metadata.name).toBe('ready');
    expect(pickPod([])).toBeUndefined();
  });

  it('picks the container: -c, the only one, the annotated default, else the first with a notice', () => {
    const notices: string[] = [];
    const note = (t: string) => notices.push(t);
    expect(chooseContainers(pod('p'), undefined, false, note)).toEqual(['c']);
    expect(chooseContainers(pod('p', { containers: ['a', 'b'] }), 'b', false, note)).toEqual(['b']);
    expect(chooseContainers(pod('p', { containers: ['a', 'b'], annotations: { 'kubectl.kubernetes.io/default-container': 'b' } }), undefined, false, note)).toEqual(['b']);
    expect(notices).toEqual([]);
    expect(chooseContainers(pod('p', { containers: ['a', 'b'] }), undefined, false, note)).toEqual(['a']);
    expect(notices).toEqual(['Defaulted container "a" out of: a, b']);
    expect(chooseContainers(pod('p', { containers: ['a', 'b'] }), undefined, true, note)).toEqual(['a', 'b']);
  });
});

describe('scale and delete flags', () => {
  const scale = { apiVersion: 'autoscaling/v1' as const, kind: 'Scale' as const, metadata: { name: 'web', resourceVersion: '7' }, spec: { replicas: 2 } };

  it('--current-replicas and --resource-version must match', () => {
    expect(() => checkPreconditions(scale, { currentReplicas: 2, resourceVersion: '7' })).not.toThrow();
    expect(() => checkPreconditions(scale, { currentReplicas: 3 })).toThrow('Expected replicas to be 3, was 2');
    expect(() => checkPreconditions(scale, { resourceVersion: '6' })).toThrow('Expected resourceVersion to be 6, was 7');
  });

  it('--cascade takes kubectl\'s values', () => {
    expect(parseCascade('foreground')).toBe('foreground');
    expect(parseCascade('true')).toBe('background');
    expect(parseCascade('false')).toBe('orphan');
    expect(() => parseCascade('sideways')).toThrow(/background, foreground or orphan/);
  });
});
