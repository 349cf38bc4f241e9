// The simulated node runtime against an in-process cluster: registration,
// lease heartbeats, pods bound with the binding subresource moving through
// kubelet-like stages (Running and Ready with an IP; exits by annotation with
// each restart policy; never ready), deletion, and a dead node.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/generated/index.js';
import { startSimulatedNodes, type SimulatedNodes } from '../../../src/node/simulated/index.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

const RENEW_MS = 200;

describe('simulated nodes', () => {
  let t: ControllerTest;
  let sim: SimulatedNodes;
  const errors: unknown[] = [];
  let seq = 0;

  beforeAll(async () => {
    t = await startControllerTest();
    sim = await startSimulatedNodes({
      client: t.client,
      count: 3,
      nodes: [
        {
          name: 'gpu-node',
          labels: { accelerator: 'gpu' },
          taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }],
          capacity: { cpu: '32', memory: '128Gi', 'nvidia.com/gpu': '4' },
        },
      ],
      renewIntervalMs: RENEW_MS,
      statusEveryRenewals: 2,
      crashLoopBackOffMs: 100,
      onError: (err) => errors.push(err),
    });
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.close();
  });

  const pods = () => t.client.pods.namespace('default');

  async function runPod(node: string, opts: { annotations?: Record<string, string>; restartPolicy?: 'Always' | 'OnFailure' | 'Never'; init?: boolean } = {}): Promise<string> {
    const name = `pod-${++seq}`;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
      spec: {
        ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
        ...(opts.init ? { initContainers: [{ name: 'setup', image: 'busybox:1.36' }] } : {}),
        containers: [
          { name: 'app', image: 'nginx:1.27' },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
      },
    };
    await pods().create(pod);
    await pods().bind(name, node);
    return name;
  }

  const get = (name: string): Promise<Pod> => pods().get(name);

  it('registers nodes with capacity, labels, taints, addresses, nodeInfo and Ready', async () => {
    expect(sim.nodes).toEqual(['gpu-node', 'sim-node-0', 'sim-node-1', 'sim-node-2']);
    const list = await t.client.nodes.list();
    expect(list.items.map((n) => n.metadata.name).sort()).toEqual(['gpu-node', 'sim-node-0', 'sim-node-1', 'sim-node-2']);
    const node = await t.client.nodes.get('sim-node-1');
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'sim-node-1', 'kubernetes.io/os': 'linux', type: 'simulated' });
    expect(node.status?.capacity).toMatchObject({ cpu: '8', memory: '32Gi', pods: '110' });
    expect(node.status?.allocatable).toMatchObject({ cpu: '8', memory: '32Gi', pods: '110' });
    const conditions = Object.fromEntries((node.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conditions.Ready).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(conditions.Ready.lastHeartbeatTime).toBeTruthy();
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) expect(conditions[type].status).toBe('False');
    const addresses = Object.fromEntries((node.status?.addresses ?? []).map((a) => [a.type, a.address]));
    expect(addresses.InternalIP).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(addresses.Hostname).toBe('sim-node-1');
    expect(node.status?.nodeInfo).toMatchObject({ containerRuntimeVersion: 'simulated://0.1.0', kubeletVersion: 'v1.31.4-gitplane', operatingSystem: 'linux' });
    expect(node.status?.nodeInfo?.osImage).toBeTruthy();
    expect(node.status?.nodeInfo?.architecture).toBeTruthy();

    const gpu = await t.client.nodes.get('gpu-node');
    expect(gpu.metadata.labels).toMatchObject({ accelerator: 'gpu', type: 'simulated' });
    expect(gpu.spec?.taints).toEqual([{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(gpu.status?.capacity).toMatchObject({ cpu: '32', memory: '128Gi', pods: '110', 'nvidia.com/gpu': '4' });
    const ips = new Set(list.items.map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address));
    expect(ips.size).toBe(4);
  });

  it('keeps a lease per node in kube-node-lease and renews it', async () => {
    const leases = t.client.leases.namespace('kube-node-lease');
    const first = await leases.get('sim-node-0');
    expect(first.spec).toMatchObject({ holderIdentity: 'sim-node-0', leaseDurationSeconds: 40 });
    expect(first.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(first.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: 'sim-node-0' });
    await eventually(async () => {
      const later = await leases.get('sim-node-0');
      return Date.parse(later.spec!.renewTime!) > Date.parse(first.spec!.renewTime!);
    }, 'the lease to be renewed');
    // The Ready condition's heartbeat moves too.
    const before = (await t.client.nodes.get('sim-node-0')).status!.conditions!.find((c) => c.type === 'Ready')!.lastHeartbeatTime!;
    await eventually(
      async () => (await t.client.nodes.get('sim-node-0')).status!.conditions!.find((c) => c.type === 'Ready')!.lastHeartbeatTime! > before,
      'the Ready heartbeat to move',
    );
  });

  it('runs a bound pod: Running and Ready with an IP and container statuses', async () => {
    const a = await runPod('sim-node-0', { init: true });
    const b = await runPod('sim-node-0');
    const pod = await eventually(async () => {
      const p = await get(a);
      return p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
    }, 'the pod to run');
    const status = pod.status!;
    const node = await t.client.nodes.get('sim-node-0');
    expect(status.hostIP).toBe(node.status?.addresses?.find((x) => x.type === 'InternalIP')?.address);
    expect(status.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(status.podIPs).toEqual([{ ip: status.podIP }]);
    expect(status.startTime).toBeTruthy();
    const conditions = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ PodScheduled: 'True', Initialized: 'True', ContainersReady: 'True', Ready: 'True' });
    expect(status.containerStatuses).toHaveLength(2);
    const app = status.containerStatuses!.find((c) => c.name === 'app')!;
    expect(app).toMatchObject({ ready: true, started: true, restartCount: 0, image: 'nginx:1.27', containerID: `simulated://${pod.metadata.uid}-app` });
    expect(app.state?.running?.startedAt).toBeTruthy();
    expect(app.imageID).toContain('sha256:');
    expect(status.initContainerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });

    const other = await eventually(async () => ((await get(b)).status?.podIP ? get(b) : undefined), 'the second pod IP');
    expect(other.status?.podIP).not.toBe(status.podIP);

    // Once running, the runtime leaves it alone (no status-write loop).
    const rv = (await get(a)).metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 300));
    expect((await get(a)).metadata.resourceVersion).toBe(rv);
  });

  it('ends containers as the exit-code annotations say, per restart policy', async () => {
    const exit = (code: number, seconds = '0.2') => ({ 'gitplane.io/simulate-exit-code': String(code), 'gitplane.io/simulate-run-seconds': seconds });
    const succeeded = await runPod('sim-node-1', { restartPolicy: 'Never', annotations: exit(0) });
    const failed = await runPod('sim-node-1', { restartPolicy: 'Never', annotations: exit(3) });
    const onFailureOk = await runPod('sim-node-1', { restartPolicy: 'OnFailure', annotations: exit(0) });
    const onFailureBad = await runPod('sim-node-1', { restartPolicy: 'OnFailure', annotations: exit(1, '0.1') });
    const always = await runPod('sim-node-1', { annotations: exit(0, '0.1') });

    const s = await eventually(async () => ((await get(succeeded)).status?.phase === 'Succeeded' ? get(succeeded) : undefined), 'Succeeded');
    expect(s.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(s.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });

    const f = await eventually(async () => ((await get(failed)).status?.phase === 'Failed' ? get(failed) : undefined), 'Failed');
    expect(f.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(f.status?.containerStatuses?.[0].restartCount).toBe(0);

    await eventually(async () => (await get(onFailureOk)).status?.phase === 'Succeeded', 'OnFailure with exit 0 to succeed');

    const restarted = await eventually(async () => {
      const p = await get(onFailureBad);
      return (p.status?.containerStatuses?.[0].restartCount ?? 0) >= 2 ? p : undefined;
    }, 'OnFailure with exit 1 to restart');
    expect(restarted.status?.phase).toBe('Running');
    expect(restarted.status?.containerStatuses?.[0].lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });

    const alwaysPod = await eventually(async () => {
      const p = await get(always);
      return (p.status?.containerStatuses?.[0].restartCount ?? 0) >= 1 ? p : undefined;
    }, 'Always to restart');
    expect(alwaysPod.status?.phase).toBe('Running');
    expect(alwaysPod.status?.containerStatuses?.[0].lastState?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('keeps a never-ready pod Running but not Ready', async () => {
    const name = await runPod('sim-node-2', { annotations: { 'gitplane.io/simulate-never-ready': 'true' } });
    const pod = await eventually(async () => ((await get(name)).status?.phase === 'Running' ? get(name) : undefined), 'Running');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(pod.status?.containerStatuses?.every((c) => c.started && !c.ready)).toBe(true);
  });

  it('finishes the deletion of a bound pod', async () => {
    const name = await runPod('sim-node-2');
    await eventually(async () => (await get(name)).status?.phase === 'Running', 'Running');
    await pods().delete(name); // graceful: 30 s by default for a pod on a node
    await eventually(async () => {
      try {
        await get(name);
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    }, 'the pod to be gone', 5000);
  });

  it('stops renewing the lease and running pods of a node whose heartbeat stopped, and resumes', async () => {
    const leases = t.client.leases.namespace('kube-node-lease');
    sim.stopHeartbeat('sim-node-2');
    await new Promise((r) => setTimeout(r, RENEW_MS)); // a renewal in flight may still land
    const frozen = (await leases.get('sim-node-2')).spec!.renewTime;
    const name = await runPod('sim-node-2');
    await new Promise((r) => setTimeout(r, 3 * RENEW_MS));
    expect((await leases.get('sim-node-2')).spec!.renewTime).toBe(frozen);
    expect((await get(name)).status?.phase).toBe('Pending');
    // Other nodes keep going.
    const other = (await leases.get('sim-node-1')).spec!.renewTime!;
    await eventually(async () => (await leases.get('sim-node-1')).spec!.renewTime! > other, 'the other node to renew');

    sim.resumeHeartbeat('sim-node-2');
    await eventually(async () => (await leases.get('sim-node-2')).spec!.renewTime !== frozen, 'the lease to be renewed again');
    await eventually(async () => (await get(name)).status?.phase === 'Running', 'the pod to run after the node came back');
  });

  it('adds a node later, starting pods with a delay', async () => {
    const delayed = await startSimulatedNodes({
      client: t.client,
      nodes: [{ name: 'slow-node' }],
      podStartDelayMs: 400,
      podIpPrefix: '10.250.',
      renewIntervalMs: RENEW_MS,
      onError: (err) => errors.push(err),
    });
    try {
      await delayed.addNode({ name: 'slow-node-2', labels: { zone: 'b' } });
      expect(delayed.nodes).toEqual(['slow-node', 'slow-node-2']);
      expect((await t.client.nodes.get('slow-node-2')).metadata.labels?.zone).toBe('b');
      const name = await runPod('slow-node-2');
      const pending = await eventually(async () => ((await get(name)).status?.hostIP ? get(name) : undefined), 'a pending status');
      expect(pending.status?.phase).toBe('Pending');
      expect(pending.status?.containerStatuses?.[0].state?.waiting?.reason).toBe('ContainerCreating');
      const running = await eventually(async () => ((await get(name)).status?.phase === 'Running' ? get(name) : undefined), 'Running');
      expect(running.status?.podIP).toMatch(/^10\.250\./);
    } finally {
      await delayed.stop();
    }
  });

  it('reported no errors', () => {
    expect(errors).toEqual([]);
  });
});
