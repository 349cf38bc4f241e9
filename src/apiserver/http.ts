// The HTTP(S) front of the API server: reads bodies (3 MiB at most, 413
// beyond), hands requests to the ApiHandler, streams responses with
// backpressure, answers upgrade requests (exec, port-forward) with a Status,
// and closes every connection on shutdown.

import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { ApiHandler, ApiResponse } from '../api/handler.js';
import { badRequest, internalError, methodNotAllowed, tooLarge, type Status } from '../api/status.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export interface ListenOptions {
  host?: string;
  port?: number;
  tls?: { key: string; cert: string };
}

export interface Listening {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

function statusBody(status: Status): string {
  return JSON.stringify(status);
}

function rawResponse(status: Status): string {
  const body = statusBody(status);
  const reason = http.STATUS_CODES[status.code] ?? 'Error';
  return `HTTP/1.1 ${status.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

export function serve(handler: ApiHandler, opts: ListenOptions, log: (msg: string, err?: unknown) => void): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const abort = new AbortController();
    // Abort only when the client went away mid-response: an abort builds a
    // DOMException, too costly to pay on every finished request.
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const declared = Number(req.headers['content-length'] ?? 0);
    const refuse = (status: Status): void => {
      if (res.headersSent) return void res.destroy();
      const body = statusBody(status);
      res.writeHead(status.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      // Read the rest of the body rather than reset a client still sending it
      // (up to a bound; past that the connection is closed).
      let drained = 0;
      req.on('data', (c: Buffer) => {
        drained += c.length;
        if (drained > MAX_DRAIN_BYTES) req.socket.destroy();
      });
      req.resume();
    };
    if (declared > MAX_BODY_BYTES) return refuse(tooLarge(MAX_BODY_BYTES).status);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      if (tooBig) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooBig = true;
        chunks.length = 0;
        refuse(tooLarge(MAX_BODY_BYTES).status);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => abort.abort());
    req.on('end', () => {
      if (tooBig) return;
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const sink: ApiResponse = {
        writeHead: (code, h) => {
          if (!res.headersSent) res.writeHead(code, h);
          res.flushHeaders();
        },
        write: (chunk) =>
          new Promise<void>((resolve) => {
            if (res.destroyed || res.writableEnded) return resolve();
            if (res.write(chunk)) resolve();
            else {
              const done = (): void => {
                res.off('drain', done);
                res.off('close', done);
                resolve();
              };
              res.once('drain', done);
              res.once('close', done);
            }
          }),
        end: (chunk) => {
          if (!res.writableEnded) res.end(chunk);
        },
      };
      handler(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers, body: size > 0 ? Buffer.concat(chunks) : undefined, signal: abort.signal, remoteAddress: req.socket.remoteAddress },
        sink,
      ).catch((err: unknown) => {
        log('unhandled error in the API handler', err);
        refuse(internalError(String((err as Error)?.message ?? err)).status);
      });
    });
  };
  // Go's server takes headers up to 1 MiB; so do we.
  const serverOpts = { maxHeaderSize: 1024 * 1024 };
  const server: http.Server = opts.tls
    ? https.createServer({ ...serverOpts, key: opts.tls.key, cert: opts.tls.cert }, onRequest)
    : http.createServer(serverOpts, onRequest);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0; // watches and log follows are long-lived
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Requests node's parser refuses (unknown methods, oversized headers, bad
  // framing) still get a Status body, not a bare line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? { ...badRequest('request headers too large').status, code: 431 }
        : err.code === 'HPE_INVALID_METHOD'
          ? methodNotAllowed('the request method is not supported').status
          : badRequest(`malformed HTTP request: ${err.code ?? err.message}`).status;
    socket.end(rawResponse(status));
  });
  server.on('connect', (_req: http.IncomingMessage, socket: Socket) => {
    socket.end(rawResponse(methodNotAllowed('CONNECT is not supported').status));
  });
  // Streaming protocols (kubectl exec, attach, port-forward) upgrade the connection: refuse cleanly.
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket) => {
    const body = statusBody(
      badRequest(
        `${req.url?.includes('/portforward') ? 'port-forward' : req.url?.includes('/attach') ? 'attach' : 'exec'} is not supported by gitplane yet: node agents do not serve interactive streams`,
      ).status,
    );
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `${opts.tls ? 'https' : 'http'}://${shown}:${port}`,
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
