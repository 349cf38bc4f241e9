// The whole control plane in this process on port 0 with a temp data dir,
// for integration and e2e tests: the embedded store, the API server (HTTPS
// with a token by default, or plain HTTP), and a kubeconfig the real kubectl
// and @kubernetes/client-node use. close() removes everything and fails if
// the server logged an internal error meanwhile.

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startControlPlane, type ControlPlane } from '../../src/cmd/control-plane.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Parsed JSON, or undefined. */
  body: any;
}

export interface TestCluster extends ControlPlane {
  dataDir: string;
  /** Everything the server logged. */
  logs: string[];
  /** One request with the admin token (TLS verified against the cluster CA). */
  request(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

const live = new Set<TestCluster>();
process.once('exit', () => {
  for (const c of live) fs.rmSync(c.dataDir, { recursive: true, force: true });
});

export async function startTestCluster(opts: { insecureHttp?: boolean; bookmarkIntervalMs?: number } = {}): Promise<TestCluster> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitplane-test-'));
  const logs: string[] = [];
  const cp = await startControlPlane({
    dataDir,
    port: 0,
    insecureHttp: opts.insecureHttp,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    log: (message, err) => logs.push(`${message} ${err instanceof Error ? err.stack : (err ?? '')}`),
  });
  const agentOpts = { keepAlive: true, ca: cp.caCert };
  const agent = cp.url.startsWith('https') ? new https.Agent(agentOpts) : new http.Agent({ keepAlive: true });
  const cluster: TestCluster = {
    ...cp,
    dataDir,
    logs,
    request(method, urlPath, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const url = new URL(urlPath, cp.url);
        const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
        const mod = url.protocol === 'https:' ? https : http;
        const req = mod.request(
          url,
          {
            method,
            agent,
            headers: {
              ...(cp.adminToken ? { Authorization: `Bearer ${cp.adminToken}` } : {}),
              ...(payload !== undefined && typeof body === 'object' && !Buffer.isBuffer(body) ? { 'Content-Type': 'application/json' } : {}),
              ...headers,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown;
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = undefined;
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
    async close() {
      live.delete(cluster);
      agent.destroy();
      await cp.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      const errors = logs.filter((l) => l.startsWith('internal error') || l.startsWith('unhandled'));
      if (errors.length > 0) throw new Error(`the API server logged internal errors:\n${errors.join('\n')}`);
    },
  };
  live.add(cluster);
  return cluster;
}
