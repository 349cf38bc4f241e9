// Shared pieces of the API server integration suites: a raw HTTP(S) client
// that sends paths exactly as given (no URL normalisation), with a
// per-request deadline and no retries; a streaming watch reader; polling
// with deadlines; a seeded PRNG; and object fixtures.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

/** Where to send requests: a TestCluster, or any API server URL (with its token and CA, if any). */
export interface Target {
  url: string;
  adminToken?: string;
  caCert?: string;
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any;
  ms: number;
}

export interface RawRequest {
  method: string;
  path: string;
  body?: string | Buffer | object;
  headers?: Record<string, string>;
  /** Leave out the Authorization header. */
  noAuth?: boolean;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length), in pieces. */
  chunked?: boolean;
  timeoutMs?: number;
}

/** Why a request did not produce a response. */
export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'dropped',
    message: string,
  ) {
    super(message);
  }
}

function agentFor(c: Target): http.Agent {
  // A fresh agent per request keeps a hostile request from poisoning a pooled socket.
  return c.url.startsWith('https') ? new https.Agent({ ca: c.caCert, keepAlive: false }) : new http.Agent({ keepAlive: false });
}

/** One request, path sent verbatim; rejects with TransportError on a timeout or a dropped connection. */
export function rawRequest(c: Target, r: RawRequest): Promise<RawReply> {
  const url = new URL(c.url);
  const mod = url.protocol === 'https:' ? https : http;
  const payload =
    r.body === undefined ? undefined : typeof r.body === 'string' || Buffer.isBuffer(r.body) ? Buffer.from(r.body as string | Buffer) : Buffer.from(JSON.stringify(r.body));
  const headers: Record<string, string> = {
    ...(c.adminToken && !r.noAuth ? { Authorization: `Bearer ${c.adminToken}` } : {}),
    ...(payload !== undefined && typeof r.body === 'object' && !Buffer.isBuffer(r.body) ? { 'Content-Type': 'application/json' } : {}),
    ...(payload !== undefined && !r.chunked ? { 'Content-Length': String(payload.length) } : {}),
    ...(r.headers ?? {}),
  };
  const started = Date.now();
  const timeoutMs = r.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const agent = agentFor(c);
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      agent.destroy();
      fn();
    };
    const req = mod.request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        headers,
        agent,
        // A Host header of the request's own must not change which name the certificate is checked against.
        checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(url.hostname, cert),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body, ms: Date.now() - started }));
        });
        res.on('error', (err) => finish(() => reject(new TransportError('dropped', `response aborted: ${err.message}`))));
        res.on('aborted', () => finish(() => reject(new TransportError('dropped', 'response aborted'))));
      },
    );
    const timer = setTimeout(() => {
      finish(() => reject(new TransportError('timeout', `no complete response within ${timeoutMs} ms`)));
      req.destroy();
    }, timeoutMs);
    // A write error (EPIPE/ECONNRESET) after the server already answered is fine: wait for the response.
    req.on('error', (err) => {
      setTimeout(() => finish(() => reject(new TransportError('dropped', `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`))), 200);
    });
    if (payload !== undefined && r.chunked) {
      const piece = Math.max(1, Math.ceil(payload.length / 4));
      for (let i = 0; i < payload.length; i += piece) req.write(payload.subarray(i, i + piece));
      req.end();
    } else req.end(payload);
  });
}

// ---------------------------------------------------------------- watch

export interface WatchEvent {
  type: string;
  object: any;
}

export interface WatchStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Milliseconds from sending the request to receiving the headers. */
  headersMs: number;
  /** The raw text received so far. */
  raw(): string;
  /** Events parsed so far (complete lines only). */
  events: WatchEvent[];
  /** The body of a non-200 answer, parsed once it ended. */
  body(): Promise<any>;
  /** Waits for the n-th event (0-based) or fails after the deadline. */
  event(n: number, timeoutMs?: number): Promise<WatchEvent>;
  /** Waits for the server to end the stream (true) or the deadline (false). */
  ended(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/** Open a watch: resolves as soon as the response headers arrive. */
export function openWatch(c: Target, path: string, headers: Record<string, string> = {}, connectTimeoutMs = 10_000): Promise<WatchStream> {
  const url = new URL(c.url);
  const mod = url.protocol === 'https:' ? https : http;
  const agent = agentFor(c);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'GET',
        path,
        agent,
        headers: { ...(c.adminToken ? { Authorization: `Bearer ${c.adminToken}` } : {}), ...headers },
      },
      (res) => {
        clearTimeout(timer);
        const headersMs = Date.now() - started;
        let raw = '';
        let pending = '';
        const events: WatchEvent[] = [];
        let isEnded = false;
        const waiters = new Set<() => void>();
        const wake = (): void => {
          for (const w of [...waiters]) w();
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          raw += chunk;
          pending += chunk;
          let nl: number;
          while ((nl = pending.indexOf('\n')) !== -1) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (line.trim() === '') continue;
            try {
              events.push(JSON.parse(line) as WatchEvent);
            } catch {
              events.push({ type: '<unparsable>', object: line });
            }
          }
          wake();
        });
        const onEnd = (): void => {
          isEnded = true;
          wake();
        };
        res.on('end', onEnd);
        res.on('close', onEnd);
        res.on('error', onEnd);
        const waitFor = (cond: () => boolean, timeoutMs: number): Promise<boolean> =>
          new Promise((done) => {
            if (cond()) return done(true);
            const check = (): void => {
              if (cond()) {
                clearTimeout(t);
                waiters.delete(check);
                done(true);
              }
            };
            const t = setTimeout(() => {
              waiters.delete(check);
              done(cond());
            }, timeoutMs);
            waiters.add(check);
          });
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          headersMs,
          raw: () => raw,
          events,
          async body() {
            await waitFor(() => isEnded, 10_000);
            try {
              return JSON.parse(raw);
            } catch {
              return undefined;
            }
          },
          async event(n, timeoutMs = 10_000) {
            const ok = await waitFor(() => events.length > n || isEnded, timeoutMs);
            if (events.length > n) return events[n];
            throw new Error(
              `watch ${path}: event #${n} did not arrive within ${timeoutMs} ms (${ok ? 'stream ended' : 'timeout'}); got ${JSON.stringify(events.map((e) => `${e.type} ${e.object?.metadata?.name ?? ''}@${e.object?.metadata?.resourceVersion ?? ''}`))}`,
            );
          },
          ended: (timeoutMs) => waitFor(() => isEnded, timeoutMs),
          close() {
            req.destroy();
            agent.destroy();
          },
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      agent.destroy();
      reject(new Error(`watch ${path}: no response headers within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

// ---------------------------------------------------------------- polling

/** Polls `probe` until it returns a value other than undefined/false, or fails after the deadline. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not true within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---------------------------------------------------------------- PRNG

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

// ---------------------------------------------------------------- fixtures and paths

export const paths = {
  namespaces: '/api/v1/namespaces',
  namespace: (ns: string) => `/api/v1/namespaces/${ns}`,
  pods: (ns: string) => `/api/v1/namespaces/${ns}/pods`,
  pod: (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`,
  configmaps: (ns: string) => `/api/v1/namespaces/${ns}/configmaps`,
  configmap: (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`,
  secrets: (ns: string) => `/api/v1/namespaces/${ns}/secrets`,
  secret: (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`,
  services: (ns: string) => `/api/v1/namespaces/${ns}/services`,
  service: (ns: string, name: string) => `/api/v1/namespaces/${ns}/services/${name}`,
  deployments: (ns: string) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  deployment: (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
};

export function deployment(name: string, extra: { replicas?: number; containers?: any[]; labels?: Record<string, string> } = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: extra.labels ?? { app: name } },
    spec: {
      replicas: extra.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: extra.containers ?? [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

export function pod(name: string, opts: { labels?: Record<string, string>; nodeName?: string; image?: string; finalizers?: string[] } = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.finalizers ? { finalizers: opts.finalizers } : {}) },
    spec: { ...(opts.nodeName ? { nodeName: opts.nodeName } : {}), containers: [{ name: 'main', image: opts.image ?? 'busybox:1.36' }] },
  };
}

export function configMap(name: string, opts: { labels?: Record<string, string>; data?: Record<string, string>; finalizers?: string[] } = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.finalizers ? { finalizers: opts.finalizers } : {}) },
    data: opts.data ?? { key: 'value' },
  };
}

export function service(name: string, spec: Record<string, unknown> = {}): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/** Is `body` a Kubernetes failure Status whose code is the HTTP status? */
export function statusProblem(status: number, body: any): string | undefined {
  if (!body || typeof body !== 'object') return 'body is not JSON';
  if (body.kind !== 'Status') return `kind is ${JSON.stringify(body.kind)}, not "Status"`;
  if (body.apiVersion !== 'v1') return `apiVersion is ${JSON.stringify(body.apiVersion)}`;
  if (body.status !== 'Failure') return `status is ${JSON.stringify(body.status)}`;
  if (body.code !== status) return `code ${body.code} differs from HTTP ${status}`;
  if (typeof body.reason !== 'string' || body.reason === '') return 'no reason';
  if (typeof body.message !== 'string') return 'no message';
  return undefined;
}

// ---------------------------------------------------------------- raw HTTP/1.1 over TLS

/**
 * Send bytes as they are (request line, headers, body — whatever the caller
 * wrote) over a fresh TLS (or TCP) connection and read the answer until the
 * server closes or the deadline passes. For requests an HTTP client refuses
 * to send (CONNECT, unknown methods, oversized request lines).
 */
export function rawExchange(c: Target, bytes: string | Buffer, timeoutMs = 10_000): Promise<RawReply> {
  const url = new URL(c.url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const onConnect = (): void => void socket.write(bytes);
    const socket =
      url.protocol === 'https:'
        ? tls.connect({ host: url.hostname, port: Number(url.port), ca: c.caCert, checkServerIdentity: (_h, cert) => tls.checkServerIdentity(url.hostname, cert) }, onConnect)
        : net.connect({ host: url.hostname, port: Number(url.port) }, onConnect);
    const done = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      if (all.length === 0 || sep === -1) return reject(new TransportError('dropped', `connection closed after ${all.length} bytes without a complete response`));
      const head = all.subarray(0, sep).toString('latin1').split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
      if (!m) return reject(new TransportError('dropped', `not an HTTP response: ${JSON.stringify(head[0])}`));
      const headers: http.IncomingHttpHeaders = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let body = all.subarray(sep + 4);
      if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) {
        const parts: Buffer[] = [];
        let rest = body;
        for (;;) {
          const nl = rest.indexOf('\r\n');
          if (nl === -1) break;
          const size = parseInt(rest.subarray(0, nl).toString('latin1'), 16);
          if (!size) break;
          parts.push(rest.subarray(nl + 2, nl + 2 + size));
          rest = rest.subarray(nl + 2 + size + 2);
        }
        body = Buffer.concat(parts);
      } else if (headers['content-length'] !== undefined) {
        body = body.subarray(0, Number(headers['content-length']));
      }
      const text = body.toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      resolve({ status: Number(m[1]), headers, text, body: parsed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => {
      if (chunks.length > 0) return done();
      settled = true;
      socket.destroy();
      reject(new TransportError('timeout', `no response within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (b: Buffer) => {
      chunks.push(b);
      // Stop once a response with a Content-Length is complete (keep-alive servers do not close).
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      if (sep !== -1) {
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(all.subarray(0, sep).toString('latin1'));
        if (m && all.length - sep - 4 >= Number(m[1])) done();
      }
    });
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', () => done());
  });
}
