// `kubectl rollout` against the whole control plane: the API server over
// HTTPS, the controller manager and scheduler, and simulated nodes. A
// Deployment rolls forward with `set image`, and `kubectl rollout undo`
// brings back the previous ReplicaSet — the real kubectl's requests, not an
// imitation of them. Runs with the image's kubectl (1.31 via its dispatcher)
// and Debian's kubectl 1.20.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, inProcessTransport, type Client } from '../../src/client/index.js';
import { startControllerManager, type RunningManager } from '../../src/controller/manager.js';
import { startSimulatedNodes, type SimulatedNodes } from '../../src/node/simulated/index.js';
import { newScheduler } from '../../src/scheduler/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { check, imageKubectl, json, Kubectl, kubectl120, makeWorkDir, removeWorkDir, type KubectlBinary } from './support/kubectl.js';

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: nginx:1.25
        ports: [{containerPort: 80}]
`;

for (const bin of [imageKubectl(), kubectl120()] as KubectlBinary[]) {
  if (bin.skipReason) console.warn(`[e2e] skipping the ${bin.title} rollout suite: ${bin.skipReason}`);
  describe.skipIf(bin.skipReason !== undefined)(`kubectl rollout with ${bin.title}`, () => {
    let cluster: TestCluster;
    let client: Client;
    let manager: RunningManager;
    let sim: SimulatedNodes;
    let dir: string;
    let k: Kubectl;

    beforeAll(async () => {
      if (bin.error) throw new Error(bin.error);
      dir = makeWorkDir('rollout');
      writeFileSync(join(dir, 'web.yaml'), MANIFEST);
      cluster = await startTestCluster();
      client = createClient(inProcessTransport(cluster.api.handler, { headers: { authorization: `Bearer ${cluster.adminToken}` } }));
      manager = startControllerManager({
        client,
        extra: [(ctx) => newScheduler(ctx)],
        leaderElection: false,
        log: { info: () => undefined, error: () => undefined },
      });
      sim = await startSimulatedNodes({ client, count: 2 });
      k = new Kubectl(bin.path!, cluster.kubeconfig, dir);
    });

    afterAll(async () => {
      k?.killAll();
      await sim?.stop();
      await manager?.stop();
      client?.close();
      try {
        await cluster?.close();
      } finally {
        removeWorkDir(dir);
      }
    });

    const rolledOut = async (): Promise<void> => {
      check(await k.run(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 }), {
        code: 0,
        stdout: [/deployment "web" successfully rolled out/],
      });
    };
    const activeReplicaSet = async (): Promise<{ name: string; image: string }> => {
      const list = json(await k.run(['get', 'rs', '-l', 'app=web', '-o', 'json']));
      const active = list.items.filter((rs: any) => (rs.spec.replicas ?? 0) > 0);
      expect(active).toHaveLength(1);
      return { name: active[0].metadata.name, image: active[0].spec.template.spec.containers[0].image };
    };

    it('apply, rollout status, set image, rollout undo back to the first ReplicaSet, and scale to 0 and back', async () => {
      check(await k.run(['apply', '-f', join(dir, 'web.yaml')]), { code: 0, stdout: [/deployment.apps\/web created/] });
      await rolledOut();
      const first = await activeReplicaSet();
      expect(first.image).toBe('nginx:1.25');

      check(await k.run(['set', 'image', 'deployment/web', 'c=nginx:1.26']), { code: 0, stdout: [/image updated/] });
      await rolledOut();
      const second = await activeReplicaSet();
      expect(second.image).toBe('nginx:1.26');
      expect(second.name).not.toBe(first.name);

      check(await k.run(['rollout', 'history', 'deployment/web']), { code: 0, stdout: [/1\s+<none>[\s\S]*2\s+<none>/] });

      check(await k.run(['rollout', 'undo', 'deployment/web']), { code: 0, stdout: [/deployment.apps\/web rolled back/] });
      await rolledOut();
      const back = await activeReplicaSet();
      expect(back).toEqual(first);
      const d = json(await k.run(['get', 'deployment', 'web', '-o', 'json']));
      expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
      expect(d.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);

      check(await k.run(['scale', 'deployment/web', '--replicas=0']), { code: 0 });
      await rolledOut();
      check(await k.run(['scale', 'deployment/web', '--replicas=3']), { code: 0 });
      await rolledOut();
      const pods = json(await k.run(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
      expect(pods).toHaveLength(3);
      expect(pods.every((p: any) => p.status.phase === 'Running' && p.spec.nodeName)).toBe(true);
    });
  });
}
