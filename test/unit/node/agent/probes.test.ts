// Probes on the node agent (fake runtime, fake clock): httpGet against a
// real HTTP server (default host: the pod IP), tcpSocket, exec through the
// runtime, thresholds, readiness → Ready conditions, liveness → restart, and
// the startup probe gating the others.

import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../support/controllers.js';
import { cond, cs, startHarness, type Harness } from './harness.js';

describe('node agent: probes', () => {
  let h: Harness;
  let server: http.Server;
  let port = 0;
  let code = 500;
  const seen: Array<{ host?: string; path?: string; header?: string; ua?: string }> = [];

  beforeAll(async () => {
    h = await startHarness({ fakeClock: true });
    server = http.createServer((req, res) => {
      seen.push({ host: req.socket.localAddress, path: req.url, header: req.headers['x-probe'] as string, ua: req.headers['user-agent'] });
      res.writeHead(code);
      res.end('ok');
    });
    // 0.0.0.0 answers on every 127.x address, so the pod IP reaches it.
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.close();
    if (h?.errors.length) console.warn(h.errors);
    await h?.close();
  });

  it('httpGet readiness on the pod IP drives ready, ContainersReady and Ready', async () => {
    code = 500;
    await h.runPod('web', {
      containers: [
        {
          name: 'app',
          image: 'busybox',
          command: ['httpd'],
          ports: [{ name: 'http', containerPort: port }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, periodSeconds: 5, failureThreshold: 1, successThreshold: 2 },
        },
      ],
    });
    let pod = await h.until('web', 'running', (p) => cs(p, 'app')?.state?.running);
    expect(cs(pod, 'app')?.ready).toBe(false);
    expect(cond(pod, 'Ready')).toBe('False');
    expect(pod.status?.conditions?.find((c) => c.type === 'ContainersReady')?.message).toBe('containers with unready status: [app]');
    await h.advance(0);
    await eventually(() => seen.length >= 1, 'first probe');
    expect(seen[0]).toMatchObject({ host: pod.status?.podIP, path: '/healthz', header: 'yes', ua: 'kube-probe/1.31' });
    code = 200;
    await h.advance(5000);
    await eventually(() => seen.length >= 2, 'second probe');
    // successThreshold 2: one success is not enough.
    expect(cs(await h.get('web'), 'app')?.ready).toBe(false);
    await h.advance(5000);
    pod = await h.until('web', 'Ready', (p) => cond(p, 'Ready') === 'True');
    expect(cond(pod, 'ContainersReady')).toBe('True');
    expect(cs(pod, 'app')?.ready).toBe(true);
    code = 503;
    await h.advance(5000);
    pod = await h.until('web', 'unready again', (p) => cond(p, 'Ready') === 'False');
    expect(cs(pod, 'app')?.restartCount).toBe(0);
    await h.event('web', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
  });

  it('tcpSocket readiness succeeds while something listens', async () => {
    const listener = net.createServer((s) => s.end());
    await new Promise<void>((r) => listener.listen(0, '0.0.0.0', () => r()));
    const tcpPort = (listener.address() as AddressInfo).port;
    await h.runPod('tcp', { containers: [{ name: 'app', image: 'busybox', command: ['nc'], readinessProbe: { tcpSocket: { port: tcpPort }, periodSeconds: 1, failureThreshold: 1 } }] });
    await h.until('tcp', 'running', (p) => cs(p, 'app')?.state?.running);
    await h.advance(0);
    await h.until('tcp', 'Ready', (p) => cond(p, 'Ready') === 'True');
    await new Promise<void>((r) => listener.close(() => r()));
    await h.advance(1000);
    await h.until('tcp', 'not ready', (p) => cond(p, 'Ready') === 'False');
  });

  it('exec liveness failures restart the container after failureThreshold', async () => {
    let healthy = true;
    h.runtime.execHandler = (c, argv) => (argv[0] === 'check' ? { exitCode: healthy ? 0 : 1, stdout: '', stderr: healthy ? '' : 'unhealthy', timedOut: false } : { exitCode: 0, stdout: '', stderr: '', timedOut: false });
    await h.runPod('live', { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1d'], livenessProbe: { exec: { command: ['check'] }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 } }] });
    await h.until('live', 'ready', (p) => cond(p, 'Ready') === 'True');
    const execs = () => h.runtime.calls.filter((c) => c === 'exec live/app check').length;
    expect(execs()).toBe(0);
    await h.advance(10_000);
    await eventually(() => execs() === 1, 'first liveness probe after the initial delay');
    healthy = false;
    await h.advance(10_000);
    await eventually(() => execs() === 2, 'probe 2');
    await h.advance(10_000);
    await eventually(() => execs() === 3, 'probe 3');
    expect(h.runtime.starts('live', 'app')).toBe(1); // 2 failures so far
    await h.advance(10_000);
    await eventually(() => execs() === 4, 'probe 4');
    await eventually(() => h.runtime.starts('live', 'app') === 2, 'restarted after the third failure');
    const pod = await h.until('live', 'restart recorded', (p) => cs(p, 'app')?.restartCount === 1 && !!cs(p, 'app')?.state?.running);
    expect(cs(pod, 'app')?.lastState?.terminated).toMatchObject({ exitCode: 143, signal: 15 });
    await h.event('live', 'Killing', 'Container app failed liveness probe, will be restarted');
    healthy = true;
  });

  it('a startup probe gates liveness and readiness, and restarts a container that never starts', async () => {
    let startupOk = false;
    h.runtime.execHandler = (c, argv) => {
      if (argv[0] === 'started') return { exitCode: startupOk ? 0 : 1, stdout: '', stderr: '', timedOut: false };
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false };
    };
    await h.runPod('slow', {
      containers: [
        {
          name: 'app',
          image: 'busybox',
          command: ['sleep', '1d'],
          startupProbe: { exec: { command: ['started'] }, periodSeconds: 1, failureThreshold: 30 },
          livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1 },
          readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 },
        },
      ],
    });
    let pod = await h.until('slow', 'running, not started', (p) => cs(p, 'app')?.state?.running);
    expect(cs(pod, 'app')).toMatchObject({ started: false, ready: false });
    await h.advance(0);
    for (let i = 0; i < 5; i++) {
      if (i > 0) await h.advance(1000);
      await eventually(() => h.runtime.calls.filter((c) => c === 'exec slow/app started').length >= i + 1, `startup probe ${i}`);
    }
    expect(h.runtime.calls.some((c) => c === 'exec slow/app alive' || c === 'exec slow/app ready')).toBe(false);
    startupOk = true;
    await h.advance(1000);
    pod = await h.until('slow', 'started', (p) => cs(p, 'app')?.started === true);
    await h.advance(1000);
    await h.advance(1000);
    pod = await h.until('slow', 'ready', (p) => cs(p, 'app')?.ready === true);
    expect(h.runtime.calls.includes('exec slow/app alive')).toBe(true);

    // A startup probe that keeps failing kills the container.
    await h.runPod('neverstarts', { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1d'], startupProbe: { exec: { command: ['nope'] }, periodSeconds: 1, failureThreshold: 2 } }] });
    h.runtime.execHandler = () => ({ exitCode: 1, stdout: '', stderr: '', timedOut: false });
    await h.until('neverstarts', 'running', (p) => cs(p, 'app')?.state?.running);
    for (let i = 0; i < 4 && h.runtime.starts('neverstarts', 'app') < 2; i++) {
      await h.advance(1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(() => h.runtime.starts('neverstarts', 'app') === 2, 'restart after startup failures');
  });
});
