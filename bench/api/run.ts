// npm run bench:api — the API server over HTTPS with a bearer token, in its
// own process, driven by 32 concurrent clients: create / get / update / list
// throughput and latency, sustained writes at 1,000/s, LIST of 10,000 pods,
// and watch fan-out. Printed side by side with kube-apiserver 1.25 + etcd
// 3.4 measured on this kind of machine (../shared/ref/kubernetes-baseline.md)
// and the targets.
//
// Options: --quick (smaller counts), --watchers N --events N (fan-out size),
// --rate N (fan-out events per second, default 50).

import { spawn } from 'node:child_process';
import https from 'node:https';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { drive, percentile } from '../store/workloads.js';
import { BenchClient, expectOk, type Target } from './client.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const quick = argv.includes('--quick');
const N = quick ? 1000 : 5000;
const PODS = quick ? 2000 : 10_000;
const SUSTAIN_SECONDS = quick ? 3 : 10;
const WATCHERS = arg('watchers', quick ? 200 : 1000);
const EVENTS = arg('events', quick ? 200 : 1000);
const RATE = arg('rate', 50);
const CONCURRENCY = 32;

interface Row {
  test: string;
  gitplane: string;
  kube: string;
  target: string;
  met: string;
}
const rows: Row[] = [];
const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(1) : ms.toFixed(0));
const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')}/s`;

async function startServer(): Promise<{ target: Target; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./server.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    target: JSON.parse(line) as Target,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function configMap(name: string, i: number): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { bench: 'api', shard: String(i % 10) } },
    data: { payload: 'x'.repeat(400), index: String(i) },
  };
}

function pod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

async function crud(c: BenchClient): Promise<void> {
  await expectOk(c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
  const create = await drive(N, CONCURRENCY, (i) => expectOk(c.request('POST', '/api/v1/namespaces/bench/configmaps', configMap(`cm-${i}`, i))));
  rows.push({ test: `create ConfigMap (${N.toLocaleString('en-US')}, 32 in flight)`, gitplane: `${rate(create.opsPerSec)}, p50 ${fmt(create.p50)} / p99 ${fmt(create.p99)} ms`, kube: '1,169/s, p50 23.7 / p99 92.5 ms', target: '', met: '' });
  const get = await drive(N, CONCURRENCY, (i) => expectOk(c.request('GET', `/api/v1/namespaces/bench/configmaps/cm-${(i * 7919) % N}`)));
  rows.push({ test: 'get', gitplane: `${rate(get.opsPerSec)}, p50 ${fmt(get.p50)} / p99 ${fmt(get.p99)} ms`, kube: '3,318/s, p50 8.7 / p99 23.8 ms', target: '', met: '' });
  const update = await drive(N, CONCURRENCY, (i) =>
    expectOk(c.request('PATCH', `/api/v1/namespaces/bench/configmaps/cm-${i}`, { data: { index: `u${i}` } }, 'application/merge-patch+json')),
  );
  rows.push({ test: 'update (merge patch)', gitplane: `${rate(update.opsPerSec)}, p50 ${fmt(update.p50)} / p99 ${fmt(update.p99)} ms`, kube: '1,092/s, p50 24.3 / p99 136.6 ms', target: '', met: '' });
  const listAll = await timed(3, async () => {
    const r = await c.request('GET', '/api/v1/namespaces/bench/configmaps');
    const n = (JSON.parse(r.text) as { items: unknown[] }).items.length;
    if (n !== N) throw new Error(`list returned ${n}`);
  });
  rows.push({ test: `LIST all ${N.toLocaleString('en-US')}`, gitplane: `${fmt(listAll)} ms`, kube: '142 ms (5,001)', target: '', met: '' });
  const listSel = await timed(3, async () => {
    const r = await c.request('GET', '/api/v1/namespaces/bench/configmaps?labelSelector=shard%3D3');
    const n = (JSON.parse(r.text) as { items: unknown[] }).items.length;
    if (n !== N / 10) throw new Error(`selector list returned ${n}`);
  });
  rows.push({ test: `LIST with a label selector (${(N / 10).toLocaleString('en-US')} of ${N.toLocaleString('en-US')})`, gitplane: `${fmt(listSel)} ms`, kube: '86 ms (500 of 5,001)', target: '', met: '' });
}

async function timed(times: number, fn: () => Promise<void>): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < times; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

/** Open-loop writes at a fixed rate: latency includes any queueing the server causes. */
async function sustained(c: BenchClient): Promise<void> {
  const perSecond = 1000;
  const total = perSecond * SUSTAIN_SECONDS;
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    inflight.push(
      c
        .request('PATCH', `/api/v1/namespaces/bench/configmaps/cm-${i % N}`, { data: { sustained: String(i) } }, 'application/merge-patch+json')
        .then((r) => {
          if (r.status !== 200) errors++;
          latencies.push(performance.now() - t);
        }),
    );
  }
  await Promise.all(inflight);
  const achieved = total / ((performance.now() - start) / 1000);
  latencies.sort((a, b) => a - b);
  const p99 = percentile(latencies, 99);
  rows.push({
    test: `sustained writes, 1,000/s for ${SUSTAIN_SECONDS} s`,
    gitplane: `${rate(achieved)} achieved, p50 ${fmt(percentile(latencies, 50))} / p99 ${fmt(p99)} ms, ${errors} errors`,
    kube: 'SLO: mutating p99 ≤ 1 s',
    target: 'p99 ≤ 50 ms at 1,000/s',
    met: p99 <= 50 && errors === 0 && achieved >= 950 ? 'yes' : 'NO',
  });
}

async function listPods(c: BenchClient): Promise<void> {
  await drive(PODS, CONCURRENCY, (i) => expectOk(c.request('POST', '/api/v1/namespaces/bench/pods', pod(`pod-${i}`))));
  const ms = await timed(3, async () => {
    const r = await c.request('GET', '/api/v1/pods');
    const n = (JSON.parse(r.text) as { items: unknown[] }).items.length;
    if (n !== PODS) throw new Error(`pod list returned ${n}`);
  });
  rows.push({ test: `LIST ${PODS.toLocaleString('en-US')} pods`, gitplane: `${fmt(ms)} ms`, kube: '', target: '≤ 300 ms', met: ms <= 300 ? 'yes' : 'NO' });
}

async function fanout(c: BenchClient, watchers: number, events: number, eventRate: number): Promise<void> {
  const ns = `fanout-${watchers}`;
  await expectOk(c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  const created = await c.request('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hot' }, data: { seq: '-1' } });
  const rv = (JSON.parse(created.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const sentAt = new Float64Array(events);
  const latencies: number[] = [];
  let received = 0;
  const agent = new https.Agent({ keepAlive: true, maxSockets: watchers + 10, ca: (c.agent.options as { ca?: string }).ca });
  const streams = [];
  for (let w = 0; w < watchers; w += 50) {
    const batch = Array.from({ length: Math.min(50, watchers - w) }, () =>
      c.watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`, (line) => {
        const m = /"seq":"(\d+)"/.exec(line);
        if (!m) return;
        latencies.push(performance.now() - sentAt[Number(m[1])]);
        received++;
      }, agent),
    );
    streams.push(...(await Promise.all(batch)));
  }
  for (let i = 0; i < events; i++) {
    const due = performance.now() + 1000 / eventRate;
    sentAt[i] = performance.now();
    await expectOk(c.request('PATCH', `/api/v1/namespaces/${ns}/configmaps/hot`, { data: { seq: String(i) } }, 'application/merge-patch+json'));
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
  const deadline = Date.now() + 60_000;
  while (received < watchers * events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const s of streams) s.stop();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const p99 = percentile(latencies, 99);
  const all = received === watchers * events;
  const big = watchers >= 1000;
  rows.push({
    test: `watch fan-out ${watchers} × ${events} (${eventRate} events/s), patch sent → event received`,
    gitplane: `${received.toLocaleString('en-US')}/${(watchers * events).toLocaleString('en-US')} delivered, p50 ${fmt(percentile(latencies, 50))} / p99 ${fmt(p99)} ms`,
    kube: watchers === 200 && events === 200 ? 'all 40,000 delivered, p50 14 / p99 44 ms' : '',
    target: big ? 'p99 ≤ 100 ms' : '',
    met: big ? (p99 <= 100 && all ? 'yes' : 'NO') : all ? '' : 'NO (lost events)',
  });
}

function print(): void {
  const header: Array<keyof Row> = ['test', 'gitplane', 'kube', 'target', 'met'];
  const titles = ['test', 'gitplane', 'kube-apiserver 1.25 + etcd 3.4 (same machine)', 'target', 'met'];
  const widths = header.map((h, i) => Math.max(titles[i].length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(titles));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(header.map((h) => r[h])));
}

async function main(): Promise<void> {
  console.log(`gitplane API benchmark — ${os.cpus().length} cores, Node ${process.version}, HTTPS + bearer token, server in its own process${quick ? ', --quick' : ''}`);
  const server = await startServer();
  try {
    const c = new BenchClient(server.target, CONCURRENCY);
    await crud(c);
    await sustained(c);
    await listPods(c);
    await fanout(c, 200, 200, RATE);
    if (WATCHERS !== 200 || EVENTS !== 200) await fanout(c, WATCHERS, EVENTS, RATE);
    c.agent.destroy();
  } finally {
    await server.stop();
  }
  print();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
