// A minimal HTTPS client for the benchmark: keep-alive sockets, the bearer
// token, and the cluster CA; bodies are JSON. No retries, so every error counts.

import fs from 'node:fs';
import https from 'node:https';

export interface Target {
  url: string;
  token: string;
  caFile: string;
}

export class BenchClient {
  readonly agent: https.Agent;
  private readonly ca: string;

  constructor(
    readonly target: Target,
    maxSockets: number,
  ) {
    this.ca = fs.readFileSync(target.caFile, 'utf8');
    this.agent = new https.Agent({ keepAlive: true, maxSockets, ca: this.ca });
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        new URL(path, this.target.url),
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.target.token}`,
            Accept: 'application/json',
            ...(payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Open a watch; `onLine` gets each event line. Resolves once headers arrived; `stop()` ends it. */
  watch(path: string, onLine: (line: string) => void, agent: https.Agent): Promise<{ stop(): void }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.target.url),
        { method: 'GET', agent, headers: { Authorization: `Bearer ${this.target.token}`, Accept: 'application/json' } },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) !== -1) {
              onLine(buf.slice(0, nl));
              buf = buf.slice(nl + 1);
            }
          });
          res.on('error', () => undefined);
          resolve({ stop: () => req.destroy() });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
}

export async function expectOk(p: Promise<{ status: number; text: string }>, want: number[] = [200, 201]): Promise<void> {
  const r = await p;
  if (!want.includes(r.status)) throw new Error(`unexpected ${r.status}: ${r.text.slice(0, 300)}`);
}
