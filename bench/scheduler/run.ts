// npm run bench:scheduler — scheduler_perf's SchedulingBasic shape end to end
// through the API server: N simulated nodes (Node objects, no kubelets), M
// pods requesting 100m CPU / 128Mi created by 32 clients, the scheduler in
// its own process binding them through pods/binding. Reports pods bound per
// second and the p99 of create → bound (seen on a watch). Then a 1,000-
// replica Deployment's rollout to all Available with the controller manager
// and simulated kubelets. Compared with kube-scheduler measured on this kind
// of machine (../shared/ref/kubernetes-baseline.md) and its CI threshold.
//
// Options: --quick (1,000 nodes / 2,000 pods only), --replicas N.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createClient, loadKubeconfig, type Client } from '../../src/client/index.js';
import { startSimulatedNodes } from '../../src/node/simulated/index.js';
import { drive, percentile } from '../store/workloads.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const ri = argv.indexOf('--replicas');
const REPLICAS = ri >= 0 ? Number(argv[ri + 1]) : quick ? 200 : 1000;
const SHAPES: Array<[number, number]> = quick ? [[1000, 2000]] : [[5000, 10000], [1000, 30000]];

interface Proc {
  child: ChildProcess;
  stop(): Promise<void>;
}

async function spawnTs(script: string, args: string[]): Promise<{ proc: Proc; firstLine: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    firstLine,
    proc: {
      child,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    },
  };
}

async function startServer(): Promise<{ kubeconfig: string; proc: Proc }> {
  const { proc, firstLine } = await spawnTs('../api/server.ts', []);
  const t = JSON.parse(firstLine) as { url: string; token: string; caFile: string };
  const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-bench-sched-')), 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: b, cluster: {server: "${t.url}", certificate-authority-data: ${Buffer.from(fs.readFileSync(t.caFile)).toString('base64')}}}]\nusers: [{name: b, user: {token: "${t.token}"}}]\ncontexts: [{name: b, context: {cluster: b, user: b}}]\ncurrent-context: b\n`,
  );
  return { kubeconfig, proc };
}

function node(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, type: 'simulated' } },
    status: {
      capacity: { cpu: '4', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() }],
    },
  };
}

function pod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'sched-bench' } },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

async function schedulingBasic(client: Client, kubeconfig: string, nodes: number, pods: number): Promise<string[]> {
  const ns = `sched-${nodes}-${pods}`;
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as never);
  await drive(nodes, 32, (i) => client.nodes.create(node(`n-${nodes}-${i}`) as never));
  const { proc } = await spawnTs('./components.ts', [kubeconfig, 'scheduler']);
  try {
    const createdAt = new Map<string, number>();
    const latencies: number[] = [];
    let bound = 0;
    let lastBound = 0;
    const watcher = await client.pods.namespace(ns).watch({}, (e) => {
      if (e.type !== 'MODIFIED' && e.type !== 'ADDED') return;
      const p = e.object as { metadata?: { name?: string }; spec?: { nodeName?: string } };
      const name = p.metadata?.name ?? '';
      const t = createdAt.get(name);
      if (p.spec?.nodeName && t !== undefined) {
        latencies.push(performance.now() - t);
        createdAt.delete(name);
        bound++;
        lastBound = performance.now();
      }
    });
    const start = performance.now();
    await drive(pods, 32, async (i) => {
      const name = `p-${i}`;
      createdAt.set(name, performance.now());
      await client.pods.namespace(ns).create(pod(name) as never);
    });
    const deadline = Date.now() + 300_000;
    while (bound < pods && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    watcher.stop();
    latencies.sort((a, b) => a - b);
    const secs = (lastBound - start) / 1000;
    const rate = bound / secs;
    return [
      `${nodes.toLocaleString('en-US')} nodes / ${pods.toLocaleString('en-US')} pods`,
      `${bound === pods ? '' : `only ${bound} bound! `}${Math.round(rate).toLocaleString('en-US')} pods/s (${secs.toFixed(1)} s)`,
      `${(percentile(latencies, 50) / 1000).toFixed(2)} s / ${(percentile(latencies, 99) / 1000).toFixed(2)} s`,
      nodes === 5000 ? '57 pods/s, p50 67 s / p99 130 s (5,000 / 10,000)' : nodes === 1000 ? '119 pods/s, p50 15.4 s / p99 25.2 s (1,000 / 5,000)' : '',
      nodes === 5000 ? (rate >= 1000 && bound === pods ? 'yes (≥ 1,000/s)' : 'NO (< 1,000/s)') : '',
    ];
  } finally {
    await proc.stop();
  }
}

async function rollout(client: Client, kubeconfig: string): Promise<string[]> {
  const ns = 'rollout';
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as never);
  const sim = await startSimulatedNodes({ client, count: 20, namePrefix: 'sim-', renewIntervalMs: 10_000 });
  const { proc } = await spawnTs('./components.ts', [kubeconfig, 'all']);
  try {
    const start = performance.now();
    await client.deployments.namespace(ns).create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'big' },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'big' } },
        template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
      },
    } as never);
    const deadline = Date.now() + 600_000;
    let available = 0;
    while (Date.now() < deadline) {
      const d = (await client.deployments.namespace(ns).get('big')) as { status?: { availableReplicas?: number } };
      available = d.status?.availableReplicas ?? 0;
      if (available >= REPLICAS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = (performance.now() - start) / 1000;
    return [`Deployment of ${REPLICAS.toLocaleString('en-US')} replicas, 20 simulated nodes`, available >= REPLICAS ? `all Available in ${secs.toFixed(1)} s` : `only ${available} available after ${secs.toFixed(0)} s`, '', '', ''];
  } finally {
    await proc.stop();
    await sim.stop();
  }
}

async function main(): Promise<void> {
  console.log(`gitplane scheduler benchmark — ${os.cpus().length} cores, Node ${process.version}; API server, scheduler and client in separate processes, HTTPS`);
  const rows: string[][] = [];
  for (const [nodes, pods] of SHAPES) {
    const { kubeconfig, proc } = await startServer();
    const client = createClient(loadKubeconfig(kubeconfig).transport);
    try {
      rows.push(await schedulingBasic(client, kubeconfig, nodes, pods));
    } finally {
      client.close();
      await proc.stop();
    }
  }
  {
    const { kubeconfig, proc } = await startServer();
    const client = createClient(loadKubeconfig(kubeconfig).transport);
    try {
      rows.push(await rollout(client, kubeconfig));
    } finally {
      client.close();
      await proc.stop();
    }
  }
  const header = ['shape', 'gitplane: pods bound per second', 'create → bound p50 / p99', 'kube-scheduler 1.25 on this machine', 'target met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log("kube-scheduler's own CI threshold for 5,000 nodes / 10,000 pods is 680 pods/s (in-process, bigger machines).");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
