// Probes and lifecycle hook actions, after kubelet's prober: httpGet (host
// defaults to the pod IP; port by number or name; HTTP or HTTPS; headers;
// 2xx/3xx is success), tcpSocket, exec (through the runtime) and grpc
// (grpc.health.v1 over h2c). A ProbeWorker runs one probe of one container
// on the injected clock with kubelet's thresholds: initialDelaySeconds,
// periodSeconds, timeoutSeconds, successThreshold and failureThreshold.

import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { Container, ExecAction, GRPCAction, HTTPGetAction, IntOrString, Probe, TCPSocketAction } from '../../api/generated/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { ContainerRuntime } from '../runtime/types.js';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

export interface ActionTarget {
  podIP: string;
  container: Container;
  containerId: string;
  runtime: ContainerRuntime;
}

export interface ProbeAction {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
}

export function resolvePort(port: IntOrString, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = (container.ports ?? []).find((p) => p.name === port);
  if (!named) throw new Error(`couldn't find port ${port} in container ${container.name}`);
  return named.containerPort;
}

const KUBE_PROBE_UA = 'kube-probe/1.31';

function httpProbe(action: HTTPGetAction, target: ActionTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(action.port, target.container);
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
      return;
    }
    const host = action.host || target.podIP;
    const scheme = (action.scheme ?? 'HTTP').toUpperCase();
    const rawPath = action.path ?? '/';
    const pathname = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
    const headers: Record<string, string> = { 'User-Agent': KUBE_PROBE_UA, Accept: '*/*' };
    for (const h of action.httpHeaders ?? []) {
      const existing = Object.keys(headers).find((k) => k.toLowerCase() === h.name.toLowerCase());
      if (existing) delete headers[existing];
      headers[h.name] = h.value;
    }
    const url = `${scheme.toLowerCase()}://${host.includes(':') ? `[${host}]` : host}:${port}${pathname}`;
    const lib = scheme === 'HTTPS' ? https : http;
    let settled = false;
    const done = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = lib.request(
      { host, port, path: pathname, method: 'GET', headers, timeout: timeoutMs, ...(scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 10 * 1024) body += c;
        });
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 400) done({ ok: true, message: '' });
          else done({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
        });
        res.on('error', (err) => done({ ok: false, message: `Get "${url}": ${err.message}` }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)'));
    }, timeoutMs);
    timer.unref();
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
    req.on('error', (err) => done({ ok: false, message: `Get "${url}": ${describe(err, host, port)}` }));
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}

function describe(err: Error & { code?: string }, host: string, port: number): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  return err.message;
}

function tcpProbe(action: TCPSocketAction, target: ActionTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(action.port, target.container);
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
      return;
    }
    const host = action.host || target.podIP;
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    timer.unref();
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, message: '' });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: describe(err, host, port) });
    });
  });
}

async function execProbe(action: ExecAction, target: ActionTarget, timeoutMs: number): Promise<ProbeResult> {
  const argv = action.command ?? [];
  if (argv.length === 0) return { ok: false, message: 'exec probe has no command' };
  try {
    const r = await target.runtime.exec(target.containerId, argv, timeoutMs);
    if (r.timedOut) return { ok: false, message: `command ${JSON.stringify(argv.join(' '))} timed out` };
    if (r.exitCode === 0) return { ok: true, message: r.stdout };
    return { ok: false, message: `${r.stdout}${r.stderr}`.trim() || `command ${JSON.stringify(argv.join(' '))} exited with ${r.exitCode}` };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** grpc.health.v1.Health/Check over h2c; SERVING (1) is success. */
function grpcProbe(action: GRPCAction, target: ActionTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const host = target.podIP;
    const port = action.port;
    let settled = false;
    const session = http2.connect(`http://${host}:${port}`);
    const done = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, message: `timeout: health rpc did not complete within ${timeoutMs}ms` }), timeoutMs);
    timer.unref();
    session.on('error', (err) => done({ ok: false, message: `failed to connect service "${host}:${port}" within ${timeoutMs}ms: ${err.message}` }));
    const service = Buffer.from(action.service ?? '', 'utf8');
    const message = service.length ? Buffer.from([0x0a, ...encodeVarint(service.length), ...service]) : Buffer.alloc(0);
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt8(0, 0);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers', 'user-agent': KUBE_PROBE_UA });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    req.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
    });
    req.on('trailers', (trailers) => {
      if (trailers['grpc-status'] !== undefined) grpcStatus = String(trailers['grpc-status']);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => done({ ok: false, message: err.message }));
    req.on('end', () => {
      if (grpcStatus !== undefined && grpcStatus !== '0') return done({ ok: false, message: `rpc error: code = ${grpcStatus}` });
      const body = Buffer.concat(chunks);
      let status = 0;
      if (body.length >= 5) {
        const msg = body.subarray(5, 5 + body.readUInt32BE(1));
        for (let i = 0; i < msg.length; ) {
          const tag = msg[i++];
          if (tag === 0x08) {
            let v = 0;
            let shift = 0;
            while (i < msg.length) {
              const b = msg[i++];
              v |= (b & 127) << shift;
              shift += 7;
              if (!(b & 128)) break;
            }
            status = v;
          } else break;
        }
      }
      const names = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
      done(status === 1 ? { ok: true, message: '' } : { ok: false, message: `service unhealthy (responded with "${names[status] ?? status}")` });
    });
    req.end(frame);
  });
}

/** Run one probe or hook action once. */
export function runAction(action: ProbeAction, target: ActionTarget, timeoutMs: number): Promise<ProbeResult> {
  if (action.exec) return execProbe(action.exec, target, timeoutMs);
  if (action.httpGet) return httpProbe(action.httpGet, target, timeoutMs);
  if (action.tcpSocket) return tcpProbe(action.tcpSocket, target, timeoutMs);
  if (action.grpc) return grpcProbe(action.grpc, target, timeoutMs);
  return Promise.resolve({ ok: false, message: 'the probe has no handler' });
}

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export const PROBE_TITLE: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  probe: Probe;
  target: ActionTarget;
  clock: Clock;
  /** When the container started (ms). */
  startedAt: number;
  /** Liveness and readiness wait for this (the startup probe passed). */
  gate: () => boolean;
  /** The result changed (thresholds crossed). */
  onChange: (ok: boolean, message: string) => void;
  /** Every failed probe (for Unhealthy events). */
  onFailure: (message: string) => void;
}

/** One probe of one container: ticks every period and reports result changes. */
export class ProbeWorker {
  private timer: TimerHandle | undefined;
  private stopped = false;
  private lastOk: boolean | undefined;
  private run = 0;
  /** The result reported: readiness starts failed, liveness successful, startup unknown. */
  result: boolean | undefined;
  private readonly periodMs: number;
  private readonly timeoutMs: number;
  private readonly successThreshold: number;
  private readonly failureThreshold: number;

  constructor(private readonly opts: ProbeWorkerOptions) {
    const p = opts.probe;
    this.periodMs = Math.max(1, p.periodSeconds ?? 10) * 1000;
    this.timeoutMs = Math.max(1, p.timeoutSeconds ?? 1) * 1000;
    this.successThreshold = opts.kind === 'readiness' ? Math.max(1, p.successThreshold ?? 1) : 1;
    this.failureThreshold = Math.max(1, p.failureThreshold ?? 3);
    this.result = opts.kind === 'readiness' ? false : opts.kind === 'liveness' ? true : undefined;
  }

  start(): void {
    const firstAt = this.opts.startedAt + Math.max(0, this.opts.probe.initialDelaySeconds ?? 0) * 1000;
    this.schedule(firstAt);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = this.opts.clock.setTimeout(() => void this.tick(at), Math.max(0, at - this.opts.clock.now()));
  }

  private async tick(scheduledAt: number): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    if (this.opts.kind !== 'startup' && !this.opts.gate()) {
      this.schedule(scheduledAt + this.periodMs);
      return;
    }
    const r = await runAction(this.opts.probe, this.opts.target, this.timeoutMs);
    if (this.stopped) return;
    this.record(r);
    if (this.stopped) return;
    // A passed startup probe is done; a liveness or startup failure waits for the restart.
    if (this.opts.kind === 'startup' && this.result === true) return;
    if (this.opts.kind !== 'readiness' && this.result === false) return;
    const next = Math.max(scheduledAt + this.periodMs, this.opts.clock.now());
    this.schedule(next);
  }

  private record(r: ProbeResult): void {
    if (!r.ok) this.opts.onFailure(r.message);
    this.run = this.lastOk === r.ok ? this.run + 1 : 1;
    this.lastOk = r.ok;
    if (!r.ok && this.run < this.failureThreshold) return;
    if (r.ok && this.run < this.successThreshold) return;
    if (this.result === r.ok) return;
    this.result = r.ok;
    this.opts.onChange(r.ok, r.message);
  }
}
