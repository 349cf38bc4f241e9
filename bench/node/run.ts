// npm run bench:node — pods on one real node agent: start latency (created →
// Ready seen on a watch) for 100 pods per runtime, how many pods the process
// runtime holds while a batch of 50 more still starts with p99 ≤ 1 s (two
// batches in a row over 1 s end the ramp; it stops at 400), and the service
// proxy's throughput against a direct connection. Kubernetes' pod-startup SLO
// is p99 ≤ 5 s; the targets here are p99 ≤ 500 ms (process), ≤ 1 s (runc),
// ≥ 250 pods, and a proxy ratio ≥ 0.7.
//
// Pods are created at --rate per second (default 10), as Kubernetes' density
// tests pace them. The benchmark client shares its process with the node agent
// and proxy (all in-process), which the proxy ratio pays for.
// Needs root for network namespaces and runc; without root the process
// runtime runs in limited (loopback) mode and runc is skipped.

import http from 'node:http';
import os from 'node:os';
import { createClient, inProcessTransport, type Client } from '../../src/client/index.js';
import { startControllerManager } from '../../src/controller/manager.js';
import { newScheduler } from '../../src/scheduler/index.js';
import { startNodeStack, type NodeStack, type RuntimeName } from '../../src/cmd/node-stack.js';
import { startTestCluster, type TestCluster } from '../../test/support/cluster.js';
import { percentile } from '../store/workloads.js';

const quick = process.argv.includes('--quick');
const ri = process.argv.indexOf('--rate');
/** Pods created per second in the latency runs. */
const RATE = ri >= 0 ? Number(process.argv[ri + 1]) : 10;
type Obj = Record<string, any>;
const rows: string[][] = [];

interface Env {
  cluster: TestCluster;
  client: Client;
  stack: NodeStack;
  stop(): Promise<void>;
}

async function environment(runtime: RuntimeName, maxPods?: number): Promise<Env> {
  const cluster = await startTestCluster();
  const client = createClient(inProcessTransport(cluster.api.handler, { headers: { authorization: `Bearer ${cluster.adminToken}` } }));
  const manager = startControllerManager({ client, extra: [(ctx) => newScheduler(ctx)], leaderElection: false, log: { info: () => undefined, error: () => undefined } });
  const stack = await startNodeStack({ client, nodeName: 'bench-node', dataDir: cluster.dataDir, runtime, index: 0, maxPods, log: () => undefined });
  return {
    cluster,
    client,
    stack,
    async stop() {
      await stack.stop({ stopPods: true });
      await manager.stop();
      client.close();
      await cluster.close();
    },
  };
}

function sleeper(name: string, runtime: RuntimeName): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'start' } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: runtime === 'runc' ? 'busybox' : 'none', command: ['sleep', '3600'] }],
    },
  };
}

/**
 * Create `n` pods at `perSecond` (as density tests pace them) and time each
 * from its create call to Ready on a watch.
 */
async function startLatency(env: Env, runtime: RuntimeName, prefix: string, n: number, perSecond = RATE): Promise<number[]> {
  const createdAt = new Map<string, number>();
  const latencies: number[] = [];
  const pods = env.client.pods.namespace('default');
  const watcher = await pods.watch({}, (e) => {
    const p = e.object as Obj;
    const t = createdAt.get(p.metadata?.name);
    if (t === undefined) return;
    if ((p.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True')) {
      latencies.push(performance.now() - t);
      createdAt.delete(p.metadata.name);
    }
  });
  const start = performance.now();
  const creates: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const name = `${prefix}-${i}`;
    createdAt.set(name, performance.now());
    creates.push(pods.create(sleeper(name, runtime) as never));
  }
  await Promise.all(creates);
  const deadline = Date.now() + 120_000;
  while (latencies.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  watcher.stop();
  if (latencies.length < n) throw new Error(`only ${latencies.length} of ${n} pods (${prefix}-*) became Ready${await lastWarning(env, prefix)}`);
  return latencies.sort((a, b) => a - b);
}

/** The most frequent Warning event of the pods named `<prefix>-*`, as ": Reason: message (×count)", or "". */
async function lastWarning(env: Env, prefix: string): Promise<string> {
  const events = ((await env.client.events.namespace('default').list({}).catch(() => ({ items: [] }))).items ?? []) as Obj[];
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'Warning' || !String(e.involvedObject?.name ?? '').startsWith(`${prefix}-`)) continue;
    const key = `${e.reason}: ${e.message}`;
    counts.set(key, (counts.get(key) ?? 0) + (e.count ?? 1));
  }
  const top = [...counts].sort((a, b) => b[1] - a[1])[0];
  return top ? ` (${top[0]} ×${top[1]})` : '';
}

async function deleteAll(env: Env, label: string): Promise<void> {
  await env.client.pods.namespace('default').deleteCollection({ labelSelector: label, gracePeriodSeconds: 0 });
  const deadline = Date.now() + 120_000;
  while ((await env.client.pods.namespace('default').list({ labelSelector: label })).items.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function latencyRow(runtime: RuntimeName, n: number, target: number): Promise<void> {
  const env = await environment(runtime);
  try {
    const l = await startLatency(env, runtime, `lat-${runtime}`, n);
    const p99 = percentile(l, 99);
    rows.push([`pod start (created → Ready), ${n} pods at ${RATE}/s, ${runtime}`, `p50 ${percentile(l, 50).toFixed(0)} ms / p99 ${p99.toFixed(0)} ms`, `p99 ≤ ${target} ms`, p99 <= target ? 'yes' : 'NO']);
    await deleteAll(env, 'bench=start');
  } finally {
    await env.stop();
  }
}

async function capacityRow(): Promise<void> {
  // kubelet's default max-pods is 110; this row asks for more, as --max-pods would.
  const env = await environment('process', 1000);
  const step = 50;
  const max = quick ? 100 : 400;
  /** Pods on the node after the last batch that started with p99 ≤ 1 s. */
  let held = 0;
  let onNode = 0;
  let lastP99 = 0;
  let ended = '';
  // Batches over 1 s. One alone does not end the ramp: on a shared 2-core machine it can be a
  // burst of load from elsewhere; two in a row do, and every one is reported.
  const over: string[] = [];
  let overInARow = 0;
  try {
    while (onNode < max) {
      let l: number[];
      try {
        l = await startLatency(env, 'process', `cap${onNode}`, step);
      } catch (err) {
        // A batch that does not come up ends the ramp; what the node held before it stands.
        ended = `; the next batch failed: ${(err as Error).message}`;
        break;
      }
      onNode += step;
      const p99 = percentile(l, 99);
      if (p99 <= 1000) {
        held = onNode;
        lastP99 = p99;
        overInARow = 0;
      } else {
        over.push(`${onNode - step}→${onNode} pods p99 ${p99.toFixed(0)} ms`);
        if (++overInARow >= 2) break;
      }
    }
    rows.push([
      'pods one node holds (process runtime) with batch start p99 ≤ 1 s',
      `${held}${held >= max ? '+ (stopped at the bench limit)' : ''} (that batch p99 ${lastP99.toFixed(0)} ms${over.length ? `; over 1 s: ${over.join(', ')}` : ''}${ended})`,
      '≥ 250',
      held >= 250 ? 'yes' : 'NO',
    ]);
    await deleteAll(env, 'bench=start');
  } finally {
    await env.stop();
  }
}

const SERVE = "require('http').createServer((q, s) => { const b = Buffer.alloc(1 << 20, 120); let n = Number(q.url.slice(1)); const w = () => { while (n > 0) { n--; if (!s.write(b)) return s.once('drain', w); } s.end(); }; w(); }).listen(8080)";

async function download(url: string): Promise<number> {
  const started = performance.now();
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve());
      res.on('error', reject);
    }).on('error', reject);
  });
  return bytes / ((performance.now() - started) / 1000) / 1e6;
}

async function proxyRow(): Promise<void> {
  const env = await environment('process');
  try {
    const pods = env.client.pods.namespace('default');
    await pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'blob', labels: { app: 'blob' } },
      spec: { containers: [{ name: 'c', image: 'node', command: ['node', '-e', SERVE], ports: [{ containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] },
    } as never);
    await env.client.services.namespace('default').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'blob' },
      spec: { selector: { app: 'blob' }, ports: [{ port: 80, targetPort: 8080 }] },
    } as never);
    let pod: Obj = {};
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      pod = (await pods.get('blob')) as Obj;
      const ep = (await env.client.endpoints.namespace('default').get('blob').catch(() => ({}))) as Obj;
      if (pod.status?.podIP && (ep.subsets ?? []).some((x: Obj) => (x.addresses ?? []).length > 0)) break;
    }
    const ip = ((await env.client.services.namespace('default').get('blob')) as Obj).spec.clusterIP;
    const mb = quick ? 128 : 512;
    let direct = 0;
    let proxied = 0;
    for (let i = 0; i < 3; i++) {
      direct = Math.max(direct, await download(`http://${pod.status.podIP}:8080/${mb}`));
      proxied = Math.max(proxied, await download(`http://${ip}:80/${mb}`).catch(() => 0));
    }
    const ratio = proxied / direct;
    rows.push([`service proxy throughput (${mb} MiB, best of 3)`, `${proxied.toFixed(0)} MB/s vs direct ${direct.toFixed(0)} MB/s = ${ratio.toFixed(2)}×`, '≥ 0.7×', ratio >= 0.7 ? 'yes' : 'NO']);
  } finally {
    await env.stop();
  }
}

async function main(): Promise<void> {
  const root = process.getuid?.() === 0;
  console.log(`gitplane node benchmark — ${os.cpus().length} cores, Node ${process.version}, ${root ? 'root: network namespaces on a bridge' : 'not root: limited loopback mode, runc skipped'}`);
  const n = quick ? 30 : 100;
  // Each row in a fresh cluster; a failing row is reported, not fatal.
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      rows.push([what, `FAILED: ${(err as Error).message}`, '', 'NO']);
    }
  };
  await attempt(`pod start, ${n} pods, process`, () => latencyRow('process', n, 500));
  if (root) await attempt(`pod start, ${n} pods, runc`, () => latencyRow('runc', n, 1000));
  await attempt('pods one node holds', () => capacityRow());
  await attempt('service proxy throughput', () => proxyRow());
  const header = ['test', 'gitplane', 'target', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log("Kubernetes' pod-startup SLO: p99 ≤ 5 s (with images pre-pulled).");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
