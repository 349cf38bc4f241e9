// The agent's HTTP endpoint for container logs, which the API server proxies
// pods/log to: GET /containerLogs/<namespace>/<pod>/<container> with follow,
// tailLines, previous, timestamps, sinceSeconds, sinceTime and limitBytes.
// Errors are Status JSON (404 for unknown pods and containers, 400 for a
// container that has not started), which the API server passes on.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../util/clock.js';
import { formatEntry, parseCriLines, readLogLines, selectEntries, type LogCollector, type LogEntry, type LogPaths, type LogQuery } from './logs.js';

export interface LogTarget {
  paths: LogPaths;
  /** Present while the attempt is running: follow streams from it. */
  collector?: LogCollector;
}

export interface LogLookupError {
  code: number;
  reason: string;
  message: string;
}

export type LogResolver = (namespace: string, pod: string, container: string, previous: boolean) => LogTarget | LogLookupError;

export interface LogServer {
  port: number;
  close(): Promise<void>;
}

function sendStatus(res: http.ServerResponse, err: LogLookupError): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, code: err.code });
  res.writeHead(err.code, { 'Content-Type': 'application/json' });
  res.end(body);
}

const badRequest = (message: string): LogLookupError => ({ code: 400, reason: 'BadRequest', message });

function parseQuery(params: URLSearchParams, clock: Clock): LogQuery & { follow: boolean; previous: boolean } {
  const bool = (k: string) => {
    const v = params.get(k);
    return v === '' || v === 'true' || v === '1';
  };
  const int = (k: string): number | undefined => {
    const v = params.get(k);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw badRequest(`invalid ${k} "${v}": must be an integer`);
    return n;
  };
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = params.get('sinceTime');
  let sinceMs: number | undefined;
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) throw badRequest('sinceSeconds must be greater than 0');
    sinceMs = clock.now() - sinceSeconds * 1000;
  } else if (sinceTime) {
    sinceMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceMs)) throw badRequest(`invalid sinceTime "${sinceTime}"`);
  }
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  if (limitBytes !== undefined && limitBytes < 1) throw badRequest('limitBytes must be greater than 0');
  return {
    follow: bool('follow'),
    previous: bool('previous'),
    timestamps: bool('timestamps'),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

export async function startLogServer(resolve: LogResolver, clock: Clock): Promise<LogServer> {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) sendStatus(res, { code: 500, reason: 'InternalError', message: (err as Error).message });
      else res.end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (req.method !== 'GET' || parts[0] !== 'containerLogs' || parts.length !== 4) {
      sendStatus(res, { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });
      return;
    }
    const [, namespace, pod, container] = parts;
    let query: ReturnType<typeof parseQuery>;
    try {
      query = parseQuery(url.searchParams, clock);
    } catch (err) {
      sendStatus(res, err as LogLookupError);
      return;
    }
    const target = resolve(namespace, pod, container, query.previous);
    if ('code' in target) {
      sendStatus(res, target);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    let written = 0;
    let done = false;
    const write = (text: string): void => {
      if (done || !text) return;
      let buf = Buffer.from(text, 'utf8');
      if (query.limitBytes !== undefined && written + buf.length >= query.limitBytes) {
        buf = buf.subarray(0, query.limitBytes - written);
        written += buf.length;
        res.write(buf);
        finish();
        return;
      }
      written += buf.length;
      res.write(buf);
    };
    let unsubscribe: (() => void) | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      unsubscribe?.();
      res.end();
    };
    // Read what is stored and subscribe in the same tick: the collector writes
    // synchronously, so nothing falls between the two.
    const state: { pending?: LogEntry } = {};
    const entries = parseCriLines(readLogLines(target.paths), state);
    const live = query.follow && target.collector && !target.collector.ended ? target.collector : undefined;
    if (live) {
      unsubscribe = live.subscribe(
        (line) => {
          for (const e of parseCriLines([line], state)) if (query.sinceMs === undefined || e.ms >= query.sinceMs) write(formatEntry(e, query.timestamps));
        },
        () => finish(),
      );
      req.on('close', finish);
      res.on('close', finish);
    }
    for (const e of selectEntries(entries, query)) write(formatEntry(e, query.timestamps));
    if (!live) finish();
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolveClose());
      }),
  };
}
