// Serve an ApiHandler over node:http on 127.0.0.1 and a free port, so the
// client's HTTP transport is tested against the same handler as the
// in-process one. (The real API server brings its own adapter.)

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ApiHandler, ApiResponse } from '../../../../src/api/handler.js';

export interface TestServer {
  url: string;
  /** Authorization headers seen, in order. */
  authorizations: Array<string | undefined>;
  /** Close the server and every connection. */
  close(): Promise<void>;
  /** Destroy every open socket (a crash, from the client's side). */
  resetConnections(): void;
}

export async function serve(handler: ApiHandler, tls?: { cert: string; key: string }): Promise<TestServer> {
  const authorizations: Array<string | undefined> = [];
  const listener: http.RequestListener = (req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      authorizations.push(req.headers.authorization);
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const apiRes: ApiResponse = {
        writeHead(status, h) {
          if (res.headersSent) return;
          res.writeHead(status, h);
          res.flushHeaders();
        },
        write(chunk) {
          if (!res.headersSent) this.writeHead(200, {});
          if (res.destroyed || res.writableEnded) return Promise.resolve();
          return new Promise((resolve) => {
            if (res.write(chunk)) resolve();
            else {
              res.once('drain', resolve);
              res.once('close', resolve);
            }
          });
        },
        end(chunk) {
          if (!res.headersSent) this.writeHead(200, {});
          if (!res.writableEnded) res.end(chunk);
        },
      };
      try {
        await handler(
          { method: req.method ?? 'GET', url: req.url ?? '/', headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}), signal: controller.signal, remoteAddress: req.socket.remoteAddress },
          apiRes,
        );
      } catch (err) {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'InternalError', message: `Internal error occurred: ${(err as Error).message}`, code: 500 }));
        } else res.destroy();
      }
      if (!res.writableEnded) res.end();
    })();
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    authorizations,
    resetConnections: () => server.closeAllConnections(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
