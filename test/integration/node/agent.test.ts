// The node agent inside the whole control plane: the scheduler binds pods of
// a Deployment and a Job to an agent node (fake runtime), the agent runs
// them, endpoints see their IPs once they are Ready, the Job completes,
// logs come through the API server, scale-down deletes gracefully, and an
// agent restart leaves the pods running while the node goes Unknown → Ready.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerManager, type RunningManager } from '../../../src/controller/manager.js';
import { startNodeAgent, type NodeAgent } from '../../../src/node/agent/index.js';
import { newScheduler } from '../../../src/scheduler/index.js';
import { systemClock } from '../../../src/util/clock.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';
import { FakeRuntime } from '../../unit/node/agent/fake-runtime.js';

type Obj = Record<string, any>;
const NODE = 'agent-1';
const quiet = { info: () => undefined, error: () => undefined };

describe('node agent in the cluster', () => {
  let t: ControllerTest;
  let manager: RunningManager;
  let agent: NodeAgent;
  let stateDir: string;
  const runtime = new FakeRuntime(systemClock);
  const errors: unknown[] = [];
  const start = () => startNodeAgent({ client: t.client, runtime, nodeName: NODE, stateDir, renewIntervalMs: 300, leaseDurationSeconds: 2, onError: (e) => errors.push(e) });

  beforeAll(async () => {
    t = await startControllerTest();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-agent-it-'));
    manager = startControllerManager({
      client: t.client,
      extra: [(ctx) => newScheduler(ctx)],
      leaderElection: false,
      controllerOptions: { nodelifecycle: { nodeMonitorGracePeriodMs: 2000, nodeMonitorPeriodMs: 250, defaultTolerationSeconds: 300 } },
      log: quiet,
    });
    agent = await start();
    await t.client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'it' } } as never);
  });
  afterAll(async () => {
    await agent?.stop({ stopPods: true });
    await manager?.stop();
    await t?.close();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const pods = () => t.client.pods.namespace('it');
  const podsOf = async (app: string) => (await pods().list({ labelSelector: `app=${app}` })).items as Obj[];

  it('runs a Deployment: Running and Ready pods, their IPs in the Endpoints', async () => {
    await t.client.services.namespace('it').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'it' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } as never);
    await t.client.deployments.namespace('it').create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'it' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: 'busybox', command: ['httpd', '-f'], ports: [{ containerPort: 8080 }] }] },
        },
      },
    } as never);
    const running = await eventually(async () => {
      const list = await podsOf('web');
      return list.length === 2 && list.every((p) => p.spec.nodeName === NODE && p.status?.phase === 'Running' && p.status.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True')) ? list : undefined;
    }, 'two Ready pods on the agent node');
    const ips = running.map((p) => p.status.podIP).sort();
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) expect(ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
    await eventually(async () => {
      const ep = (await t.client.endpoints.namespace('it').get('web')) as Obj;
      const addrs = (ep.subsets ?? []).flatMap((s: Obj) => (s.addresses ?? []).map((a: Obj) => a.ip)).sort();
      return JSON.stringify(addrs) === JSON.stringify(ips);
    }, 'endpoints list the pod IPs');
    const deploy = await eventually(async () => {
      const d = (await t.client.deployments.namespace('it').get('web')) as Obj;
      return d.status?.availableReplicas === 2 ? d : undefined;
    }, 'deployment available');
    expect(deploy.status.readyReplicas).toBe(2);
  });

  it('serves logs of a scheduled pod through the API server', async () => {
    const [pod] = await podsOf('web');
    const c = runtime.running(pod.metadata.name, 'c')!;
    runtime.write(c.id, 'GET / 200\n');
    await eventually(async () => (await pods().logs(pod.metadata.name)) === 'GET / 200\n', 'log line');
  });

  it('completes a Job whose pod exits 0', async () => {
    runtime.onStart = (c) => {
      if (c.config.name === 'work') setTimeout(() => runtime.exit(c.id, 0), 50);
    };
    await t.client.jobs.namespace('it').create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'it' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }] } } },
    } as never);
    await eventually(async () => {
      const job = (await t.client.jobs.namespace('it').get('once')) as Obj;
      return job.status?.succeeded === 1 && job.status.conditions?.some((c: Obj) => c.type === 'Complete' && c.status === 'True');
    }, 'job complete');
    runtime.onStart = undefined;
  });

  it('finishes graceful deletions when the Deployment scales down', async () => {
    const before = await podsOf('web');
    await t.client.deployments.namespace('it').patch('web', { spec: { replicas: 1 } });
    await eventually(async () => (await podsOf('web')).length === 1, 'one pod left');
    const gone = before.find((p) => !runtime.running(p.metadata.name, 'c'));
    expect(gone).toBeTruthy();
    expect(runtime.calls).toContain(`removeSandbox ${gone!.metadata.name}`);
  });

  it('keeps pods running across an agent restart; the node goes Unknown and comes back Ready', async () => {
    const [pod] = await podsOf('web');
    const startsBefore = runtime.calls.filter((c) => c.startsWith('start ')).length;
    await agent.stop({ stopPods: false });
    await eventually(async () => {
      const node = (await t.client.nodes.get(NODE)) as Obj;
      return node.status.conditions.find((c: Obj) => c.type === 'Ready')?.status === 'Unknown';
    }, 'node Unknown without heartbeats', 20_000);
    agent = await start();
    await eventually(async () => {
      const node = (await t.client.nodes.get(NODE)) as Obj;
      return node.status.conditions.find((c: Obj) => c.type === 'Ready')?.status === 'True';
    }, 'node Ready again');
    const after = await eventually(async () => {
      const p = (await pods().get(pod.metadata.name)) as Obj;
      return p.status.conditions.some((c: Obj) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    }, 'pod Ready again');
    expect(after.status.containerStatuses[0].restartCount).toBe(0);
    expect(runtime.calls.filter((c) => c.startsWith('start ')).length).toBe(startsBefore);
    expect(errors).toEqual([]);
  });
});
