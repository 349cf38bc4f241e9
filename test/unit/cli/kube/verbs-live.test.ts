// The kubectl-like verbs against a real API server (in-process, port 0), the
// controller manager with the scheduler, and two simulated nodes, so pods
// become Ready and rollouts finish: apply, get, describe, scale, rollout
// status/history/undo, get -w, logs (through a fake kubelet endpoint) and
// delete, each through main() with its output and exit code.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, inProcessTransport, type Client } from '../../../../src/client/index.js';
import { startControllerManager, type RunningManager } from '../../../../src/controller/manager.js';
import { NEVER_READY_ANNOTATION, startSimulatedNodes, type SimulatedNodes } from '../../../../src/node/simulated/index.js';
import { newScheduler } from '../../../../src/scheduler/index.js';
import { startTestCluster, type TestCluster } from '../../../support/cluster.js';
import { runCli } from '../run-cli.js';

const deploymentYaml = (image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
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
        image: ${image}
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /ready, port: 80}}
${extra}---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80}]
`;

/** A kubelet's log endpoint: /containerLogs/ns/pod/container, honouring tailLines, timestamps and follow. */
function fakeKubelet(lines: string[]): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/containerLogs/default/logger/main')) {
      res.writeHead(404).end('no such container');
      return;
    }
    const tail = url.searchParams.get('tailLines');
    const stamp = url.searchParams.get('timestamps') === 'true' ? '2026-01-02T03:04:05Z ' : '';
    const shown = (tail ? lines.slice(-Number(tail)) : lines).map((l) => `${stamp}${l}\n`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (url.searchParams.get('follow') !== 'true') return res.end(shown.join(''));
    let i = 0;
    const timer = setInterval(() => {
      if (i < shown.length) res.write(shown[i++]);
      else {
        clearInterval(timer);
        res.end();
      }
    }, 20);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('kubectl-like verbs against a live cluster', () => {
  let cluster: TestCluster;
  let client: Client;
  let manager: RunningManager;
  let sim: SimulatedNodes;
  let kubelet: http.Server;
  let dir: string;
  let kc: string[];
  const cli = (...args: string[]) => runCli([...args, ...kc]);
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-kube-cli-'));
    cluster = await startTestCluster();
    client = createClient(inProcessTransport(cluster.api.handler, { headers: { authorization: `Bearer ${cluster.adminToken}` } }));
    manager = startControllerManager({ client, extra: [(ctx) => newScheduler(ctx)], leaderElection: false, log: { info: () => undefined, error: () => undefined } });
    sim = await startSimulatedNodes({ client, count: 2 });
    kubelet = await fakeKubelet(['one', 'two', 'three']);
    kc = ['--kubeconfig', cluster.kubeconfig];
  });

  afterAll(async () => {
    await sim?.stop();
    await manager?.stop();
    client?.close();
    await new Promise((r) => kubelet?.close(r));
    await cluster?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('apply creates, re-applies unchanged, configures a change; rollout status waits for it', async () => {
    const v1 = file('web.yaml', deploymentYaml('nginx:1.25'));
    const created = await cli('apply', '-f', v1);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe('deployment.apps/web created\nservice/web created\n');
    expect((await cli('apply', '-f', v1)).stdout).toBe('deployment.apps/web unchanged\nservice/web unchanged\n');

    const status = await cli('rollout', 'status', 'deployment/web', '--timeout', '60s');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/deployment "web" successfully rolled out\n$/);

    const live = await client.deployments.namespace('default').get('web');
    expect(JSON.parse(live.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']!).spec.template.spec.containers[0].image).toBe('nginx:1.25');

    const dry = await cli('apply', '-f', file('web-dry.yaml', deploymentYaml('nginx:9.9')), '--dry-run=server');
    expect(dry.stdout).toBe('deployment.apps/web configured (server dry run)\nservice/web unchanged (server dry run)\n');
    expect((await client.deployments.namespace('default').get('web')).spec?.template.spec?.containers[0]?.image).toBe('nginx:1.25');
  });

  it('get prints server Tables: one type, several with kind/name, wide, -A, -l; yaml, json and name', async () => {
    const pods = await cli('get', 'pods', '-l', 'app=web');
    expect(pods.code).toBe(0);
    expect(pods.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(pods.stdout.match(/^web-\S+\s+1\/1\s+Running\s+0\s+\S+$/gm)).toHaveLength(3);

    const wide = await cli('get', 'deploy', '-o', 'wide');
    expect(wide.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+3\/3\s+3\s+3\s+\S+\s+c\s+nginx:1\.25\s+app=web$/m);

    const several = await cli('get', 'deploy,svc');
    expect(several.stdout).toMatch(/^deployment\.apps\/web\s+3\/3/m);
    expect(several.stdout).toMatch(/\n\nNAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nservice\/web\s+ClusterIP\s+10\.\S+\s+<none>\s+80\/TCP/);

    const all = await cli('get', 'all', '-A');
    expect(all.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS/);
    expect(all.stdout).toMatch(/^default\s+replicaset\.apps\/web-\S+\s+3\s+3\s+3/m);

    const nodes = await cli('get', 'no');
    expect(nodes.stdout).toMatch(/^sim-node-0\s+Ready\s/m);

    const yaml = await cli('get', 'deployment/web', '-o', 'yaml');
    expect(yaml.stdout).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\nmetadata:\n/);
    expect(yaml.stdout).not.toContain('managedFields');
    const json = JSON.parse((await cli('get', 'svc', '-o', 'json')).stdout);
    expect(json).toMatchObject({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Service', metadata: { name: 'web' } }] });
    expect((await cli('get', 'deploy,svc', '-o', 'name')).stdout).toBe('deployment.apps/web\nservice/web\n');

    const empty = await cli('get', 'jobs');
    expect(empty.code).toBe(0);
    expect(empty.stderr).toBe('No resources found in default namespace.\n');
    expect((await cli('get', 'pods', '-n', 'kube-system')).stderr).toBe('No resources found in kube-system namespace.\n');
  });

  it('get reports what is missing as kubectl does, exit 1', async () => {
    const missing = await cli('get', 'deploy', 'web', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^web\s+3\/3/m);
    expect(missing.stderr).toBe('Error from server (NotFound): deployments.apps "nope" not found\n');
    expect((await cli('get', 'deploy', 'nope', '--ignore-not-found')).code).toBe(0);
    const unknown = await cli('get', 'widgets');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: the server doesn\'t have a resource type "widgets"\n');
  });

  it('describe: deployment, pod, service, node and anything else, with events', async () => {
    const d = await cli('describe', 'deploy', 'web');
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
    expect(d.stdout).toMatch(/^NewReplicaSet:\s+web-\S+ \(3\/3 replicas created\)$/m);
    expect(d.stdout).toMatch(/^\s+Normal\s+ScalingReplicaSet\s+\S+\s+\S+\s+Scaled up replica set web-\S+ from 0 to 3$/m);

    const p = await cli('describe', 'pods', 'web-');
    expect(p.stdout.match(/^Name:\s+web-/gm)).toHaveLength(3);
    expect(p.stdout).toMatch(/^Status:\s+Running$/m);
    expect(p.stdout).toMatch(/^\s+Readiness:\s+http-get http:\/\/:80\/ready delay=0s timeout=1s period=10s #success=1 #failure=3$/m);
    expect(p.stdout).toMatch(/Scheduled\s+\S+\s+\S+\s+Successfully assigned default\/web-/);

    const s = await cli('describe', 'svc/web');
    expect(s.stdout).toMatch(/^Endpoints:\s+10\.\S+:80,10\.\S+:80,10\.\S+:80$/m);
    const n = await cli('describe', 'node', 'sim-node-0');
    expect(n.stdout).toMatch(/^Non-terminated Pods:\s+\(\d+ in total\)$/m);
    const ns = await cli('describe', 'ns', 'default');
    expect(ns.stdout).toMatch(/^Status:\s+Active$/m);
    const cm = await cli('describe', 'nodes', 'nope');
    expect(cm.code).toBe(1);
    expect(cm.stderr).toBe('Error from server (NotFound): nodes "nope" not found\n');
  });

  it('scale, rollout history and undo back to the first template', async () => {
    expect((await cli('scale', 'deploy/web', '--replicas', '2')).stdout).toBe('deployment.apps/web scaled\n');
    const pre = await cli('scale', 'deploy', 'web', '--current-replicas', '3', '--replicas', '1');
    expect(pre.code).toBe(1);
    expect(pre.stderr).toBe('error: Expected replicas to be 3, was 2\n');
    expect((await cli('scale', 'deploy', 'web', '--current-replicas', '2', '--replicas', '3')).code).toBe(0);

    expect((await cli('apply', '-f', file('web2.yaml', deploymentYaml('nginx:1.26')))).stdout).toBe('deployment.apps/web configured\nservice/web unchanged\n');
    expect((await cli('rollout', 'status', 'deploy', 'web', '--timeout', '60s')).code).toBe(0);
    const history = await cli('rollout', 'history', 'deploy/web');
    expect(history.stdout).toBe('deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n');
    expect((await cli('rollout', 'history', 'deploy/web', '--revision', '1')).stdout).toMatch(/^deployment\.apps\/web with revision #1\nPod Template:[\s\S]*Image:\s+nginx:1\.25$/m);

    const undo = await cli('rollout', 'undo', 'deploy/web');
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toBe('deployment.apps/web rolled back\n');
    expect((await cli('rollout', 'status', 'deploy/web', '--timeout', '60s')).code).toBe(0);
    const d = await client.deployments.namespace('default').get('web');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(d.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.25');
    const active = (await client.replicaSets.namespace('default').list({ labelSelector: 'app=web' })).items.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    expect(active).toHaveLength(1);
    expect(active[0]!.spec?.template?.spec?.containers[0]?.image).toBe('nginx:1.25');
    expect((await cli('rollout', 'undo', 'deploy/web', '--to-revision', '3')).stdout).toBe('deployment.apps/web skipped rollback (current template already matches revision 3)\n');
    expect((await cli('rollout', 'undo', 'deploy/web', '--to-revision', '9')).stderr).toBe('error: unable to find specified revision 9 in history\n');
  });

  it('get -w prints the current rows, then each change, until --request-timeout', async () => {
    const watching = cli('get', 'deploy', 'web', '-w', '--output-watch-events', '--request-timeout', '3s');
    // Keep changing the Deployment until the watch ends, so changes land after its list
    // whenever that happens (the pause paces the changes; nothing waits for a result).
    let ended = false;
    void watching.finally(() => (ended = true));
    for (let replicas = 1; !ended; replicas = replicas === 1 ? 2 : 1) {
      await client.deployments.namespace('default').patch('web', { spec: { replicas } }, 'merge');
      await new Promise((r) => setTimeout(r, 200));
    }
    await client.deployments.namespace('default').patch('web', { spec: { replicas: 2 } }, 'merge');
    const w = await watching;
    expect(w.code, w.stderr).toBe(0);
    const lines = w.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EVENT\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(lines[1]).toMatch(/^ADDED\s+web\s/);
    expect(lines.slice(2).some((l) => /^MODIFIED\s+web\s/.test(l))).toBe(true);
  });

  it('rollout status: exit 1 past the progress deadline, 3 on --timeout', async () => {
    const stuck = file(
      'stuck.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck}
spec:
  replicas: 1
  progressDeadlineSeconds: 2
  selector: {matchLabels: {app: stuck}}
  template:
    metadata:
      labels: {app: stuck}
      annotations: {${NEVER_READY_ANNOTATION}: "true"}
    spec:
      containers: [{name: c, image: busybox}]
`,
    );
    expect((await cli('apply', '-f', stuck)).code).toBe(0);
    const timedOut = await cli('rollout', 'status', 'deploy/stuck', '--timeout', '1s');
    expect(timedOut.code).toBe(3);
    expect(timedOut.stderr).toBe('error: timed out waiting for the condition\n');
    const failed = await cli('rollout', 'status', 'deploy/stuck', '--timeout', '30s');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Waiting for deployment "stuck" rollout to finish: 0 of 1 updated replicas are available...');
    expect(failed.stderr).toBe('error: deployment "stuck" exceeded its progress deadline\n');
    expect((await cli('delete', 'deploy', 'stuck')).stdout).toBe('deployment.apps "stuck" deleted\n');
  }, 45_000);

  it('logs: a simulated node serves none (the server says so); a node with a kubelet endpoint does', async () => {
    const pod = (await client.pods.namespace('default').list({ labelSelector: 'app=web' })).items[0]!;
    const none = await cli('logs', pod.metadata.name!);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^Error from server \(ServiceUnavailable\): no node agent serves logs for node "sim-node-\d"/);

    await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'log-node' } });
    const node = await client.nodes.get('log-node');
    await client.nodes.updateStatus({
      ...node,
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: (kubelet.address() as AddressInfo).port } } },
    });
    await client.pods.namespace('default').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'logger', labels: { app: 'logger' } },
      spec: { nodeName: 'log-node', containers: [{ name: 'main', image: 'busybox' }, { name: 'side', image: 'busybox' }] },
    });
    const all = await cli('logs', 'logger', '-c', 'main');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe('one\ntwo\nthree\n');
    const defaulted = await cli('logs', 'pod/logger', '--tail', '1', '--timestamps');
    expect(defaulted.stdout).toBe('2026-01-02T03:04:05Z three\n');
    expect(defaulted.stderr).toBe('Defaulted container "main" out of: main, side\n');
    const followed = await cli('logs', '-f', 'logger', 'main');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('one\ntwo\nthree\n');
    const bySelector = await cli('logs', '-l', 'app=logger', '-c', 'main', '--tail', '2');
    expect(bySelector.stdout).toBe('two\nthree\n');
    const prefixed = await cli('logs', '-l', 'app=logger', '-c', 'main', '--tail', '1', '--prefix');
    expect(prefixed.stdout).toBe('[pod/logger/main] three\n');
    const wrong = await cli('logs', 'logger', '-c', 'nope');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('Error from server (BadRequest): container nope is not valid for pod logger\n');
    await client.pods.namespace('default').delete('logger', { gracePeriodSeconds: 0 });
  });

  it('delete waits until objects are gone; -l, -f, NotFound and --ignore-not-found', async () => {
    const cm = file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {group: x}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, labels: {group: x}}\n');
    expect((await cli('apply', '-f', cm)).code).toBe(0);
    expect((await cli('delete', 'cm', '-l', 'group=x')).stdout).toBe('configmap "a" deleted\nconfigmap "b" deleted\n');
    const gone = await cli('delete', 'configmap/a');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('Error from server (NotFound): configmaps "a" not found\n');
    expect((await cli('delete', 'configmap/a', '--ignore-not-found')).code).toBe(0);

    const del = await cli('delete', '-f', path.join(dir, 'web.yaml'), '--cascade=foreground');
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toBe('deployment.apps "web" deleted\nservice "web" deleted\n');
    // Foreground: the Deployment went only after its ReplicaSets.
    expect((await client.replicaSets.namespace('default').list({ labelSelector: 'app=web' })).items).toEqual([]);
  });

  it('usage errors exit 2; every verb has examples in --help', async () => {
    for (const args of [['get'], ['get', 'deploy', 'deploy/web'], ['scale', 'deploy/web'], ['logs'], ['apply'], ['delete', 'pods'], ['rollout'], ['get', 'po', '-o', 'xml'], ['delete', 'po', 'x', '--wait=maybe']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toBe('');
    }
    for (const verb of [['get'], ['describe'], ['apply'], ['delete'], ['logs'], ['scale'], ['rollout', 'status'], ['rollout', 'history'], ['rollout', 'undo']]) {
      const r = await runCli([...verb, '--help']);
      expect(r.code, verb.join(' ')).toBe(0);
      expect(r.stdout, verb.join(' ')).toContain('Examples:');
    }
  });
});
