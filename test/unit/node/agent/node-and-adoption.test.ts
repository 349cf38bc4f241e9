// The agent's Node (registration, lease heartbeats, Ready again after
// NotReady/Unknown) and agent restarts: running containers are adopted, not
// restarted; pods deleted while the agent was down are cleaned up.

import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBELET_VERSION } from '../../../../src/node/agent/index.js';
import { eventually } from '../../../support/controllers.js';
import { cond, cs, NODE, startHarness, type Harness } from './harness.js';

describe('node agent: node and restarts', () => {
  let h: Harness;
  const pods = () => h.t.client.pods.namespace('default');
  beforeAll(async () => {
    h = await startHarness({ fakeClock: true, agent: { labels: { zone: 'a' }, taints: [{ key: 'dedicated', value: 'x', effect: 'PreferNoSchedule' }] } });
  });
  afterAll(async () => {
    if (h?.errors.length) console.warn(h.errors);
    await h?.close();
  });

  it('registers the Node with host capacity, labels, taints, addresses, nodeInfo and the log port', async () => {
    const node = await h.t.client.nodes.get(NODE);
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': NODE, 'kubernetes.io/os': 'linux', zone: 'a' });
    expect(node.spec?.taints).toEqual([{ key: 'dedicated', value: 'x', effect: 'PreferNoSchedule' }]);
    expect(node.spec?.podCIDR).toMatch(/^127\.\d+\.0\.0\/16$/);
    expect(node.status?.capacity).toMatchObject({ cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' });
    expect(node.status?.allocatable).toEqual(node.status?.capacity);
    expect(node.status?.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: NODE },
    ]);
    expect(node.status?.nodeInfo).toMatchObject({ containerRuntimeVersion: 'fake://1.0.0', kubeletVersion: KUBELET_VERSION, operatingSystem: 'linux' });
    expect(KUBELET_VERSION).toBe('v1.31.4-gitplane');
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(h.agent.logServerPort);
    const types = Object.fromEntries((node.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(types).toEqual({ MemoryPressure: expect.any(String), DiskPressure: expect.any(String), PIDPressure: 'False', Ready: 'True' });
  });

  it('renews its lease and posts Ready again after the node was marked Unknown', async () => {
    const leases = h.t.client.leases.namespace('kube-node-lease');
    const lease = await leases.get(NODE);
    expect(lease.spec).toMatchObject({ holderIdentity: NODE, leaseDurationSeconds: 40 });
    const before = lease.spec?.renewTime;
    await h.t.client.nodes.patch(
      NODE,
      { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: new Date(h.clock.now() - 60_000).toISOString(), lastTransitionTime: new Date(h.clock.now() - 1000).toISOString() }] } },
      'merge',
      { subresource: 'status' },
    );
    await h.advance(60_000, 60_000);
    await eventually(async () => (await leases.get(NODE)).spec?.renewTime !== before, 'lease renewed');
    const node = await eventually(async () => {
      const n = await h.t.client.nodes.get(NODE);
      return cond(n as never, 'Ready') === 'True' ? n : undefined;
    }, 'Ready again');
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(Date.parse(ready!.lastTransitionTime!)).toBeGreaterThan(h.clock.now() - 5000);
  });

  it('adopts running containers after a restart instead of starting them again', async () => {
    await h.runPod('steady', { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1d'], readinessProbe: { exec: { command: ['ok'] }, periodSeconds: 10 } }] });
    await h.runPod('bumpy', {});
    await eventually(() => h.runtime.running('steady', 'app'), 'steady running');
    await h.advance(0);
    const ready = await h.until('steady', 'ready', (p) => cond(p, 'Ready') === 'True');
    const first = await eventually(() => h.runtime.running('bumpy', 'app'), 'bumpy running');
    h.runtime.write(first.id, 'hello\n');
    h.runtime.exit(first.id, 1);
    const second = await eventually(() => h.runtime.all('bumpy', 'app').find((c) => c.state.state === 'running'), 'bumpy restarted');
    h.runtime.write(second.id, 'again\n');
    await eventually(async () => (await pods().logs('bumpy')) === 'again\n', 'logs before the restart');
    const bumpyBefore = await h.until('bumpy', 'restartCount 1', (p) => cs(p, 'app')?.restartCount === 1 && !!cs(p, 'app')?.state?.running);
    const startsBefore = h.runtime.calls.filter((c) => c.startsWith('start ')).length;
    const sandboxesBefore = h.runtime.calls.filter((c) => c.startsWith('createSandbox ')).length;

    await h.restartAgent();
    h.runtime.write(second.id, 'after restart\n');
    await eventually(async () => (await pods().logs('bumpy')) === 'again\nafter restart\n', 'logs continue with the new agent');
    expect(await pods().logs('bumpy', { previous: true })).toBe('hello\n');
    await h.advance(10_000);
    const steady = await h.get('steady');
    expect(cond(steady, 'Ready')).toBe('True');
    expect(steady.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(ready.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
    const bumpy = await h.get('bumpy');
    expect(cs(bumpy, 'app')).toEqual(cs(bumpyBefore, 'app'));
    expect(h.runtime.calls.filter((c) => c.startsWith('start ')).length).toBe(startsBefore);
    expect(h.runtime.calls.filter((c) => c.startsWith('createSandbox ')).length).toBe(sandboxesBefore);
    expect(h.runtime.calls.some((c) => c.startsWith('stop '))).toBe(false);
    // The new agent still runs them: an exit is noticed and restarted.
    h.runtime.exit(second.id, 1);
    await h.until('bumpy', 'restarted by the new agent', (p) => cs(p, 'app')?.restartCount === 2 || cs(p, 'app')?.state?.waiting?.reason === 'CrashLoopBackOff');
  });

  it('cleans up pods deleted while the agent was down', async () => {
    await h.runPod('doomed', { terminationGracePeriodSeconds: 5 });
    await h.runPod('vanished', {});
    const doomed = await eventually(() => h.runtime.running('doomed', 'app'), 'doomed running');
    const vanished = await eventually(() => h.runtime.running('vanished', 'app'), 'vanished running');
    const vanishedUid = (await h.get('vanished')).metadata.uid!;
    await h.agent.stop({ stopPods: false });
    await pods().delete('doomed'); // graceful: waits for the agent
    await pods().delete('vanished', { gracePeriodSeconds: 0 }); // gone at once
    expect((await h.get('doomed')).metadata.deletionTimestamp).toBeTruthy();
    await h.restartAgent();
    await eventually(async () => {
      try {
        await h.get('doomed');
        return false;
      } catch {
        return true;
      }
    }, 'doomed deleted by the new agent');
    expect(doomed.state.state).toBe('exited');
    await eventually(() => vanished.removed, 'vanished container removed');
    expect(vanished.state.state).toBe('exited');
    expect(fs.existsSync(`${h.stateDir}/pods/${vanishedUid}`)).toBe(false);
    expect(h.runtime.calls).toContain('removeSandbox vanished');
  });
});
