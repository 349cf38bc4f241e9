// The HTTP(S) transport on node:http / node:https, with one keep-alive agent
// per transport so controllers reuse connections as client-go does.

import http from 'node:http';
import https from 'node:https';
import {
  abortError,
  encodeQuery,
  lowerCaseHeaders,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './types.js';

export interface HttpTransportOptions {
  /** Base URL, e.g. "https://127.0.0.1:6443" (a path prefix is kept). */
  server: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** PEM certificate authority (or authorities) to trust for https. */
  caData?: string | Buffer;
  /** PEM client certificate and key, for servers that authenticate by TLS. */
  certData?: string | Buffer;
  keyData?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  /**
   * A non-streaming request fails when its connection is idle this long (default 60 s).
   * Streams (watch, log follow) have no client timeout: the server ends them.
   */
  timeoutMs?: number;
  /** Concurrent connections to the server (default 64). */
  maxSockets?: number;
  /** Headers added to every request (e.g. user-agent). */
  headers?: Record<string, string>;
}

export function httpTransport(options: HttpTransportOptions): Transport {
  const base = new URL(options.server);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`server must be an http:// or https:// URL, got ${options.server}`);
  }
  const secure = base.protocol === 'https:';
  const prefix = base.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  const agent = secure
    ? new https.Agent({
        ...agentOptions,
        ...(options.caData !== undefined ? { ca: options.caData } : {}),
        ...(options.certData !== undefined ? { cert: options.certData } : {}),
        ...(options.keyData !== undefined ? { key: options.keyData } : {}),
        rejectUnauthorized: options.insecureSkipTLSVerify !== true,
      })
    : new http.Agent(agentOptions);
  const fixedHeaders = lowerCaseHeaders(options.headers);
  if (options.token) fixedHeaders.authorization = `Bearer ${options.token}`;

  function send(req: TransportRequest, streaming: boolean): Promise<{ request: http.ClientRequest; response: http.IncomingMessage }> {
    if (req.signal?.aborted) return Promise.reject(abortError(req.signal));
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
    const headers: Record<string, string> = { ...fixedHeaders, ...lowerCaseHeaders(req.headers) };
    if (body !== undefined) headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request({
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port || (secure ? 443 : 80),
        method: req.method.toUpperCase(),
        path: prefix + req.path + encodeQuery(req.query),
        headers,
        agent,
        ...(req.signal ? { signal: req.signal } : {}),
      });
      request.once('response', (response) => resolve({ request, response }));
      request.once('error', (err) => reject(req.signal?.aborted ? abortError(req.signal) : err));
      if (!streaming && timeoutMs > 0) {
        request.setTimeout(timeoutMs, () => {
          const err = new Error(`request timed out after ${timeoutMs} ms of inactivity`) as NodeJS.ErrnoException;
          err.code = 'ETIMEDOUT';
          request.destroy(err);
        });
      }
      request.end(body);
    });
  }

  return {
    async request(req: TransportRequest): Promise<TransportResponse> {
      const { request, response } = await send(req, false);
      const parts: Buffer[] = [];
      try {
        for await (const chunk of response) parts.push(chunk as Buffer);
      } catch (err) {
        if (req.signal?.aborted) throw abortError(req.signal);
        throw err;
      }
      return { status: response.statusCode ?? 0, headers: flattenHeaders(response.headers), body: Buffer.concat(parts) };
    },

    async stream(req: TransportRequest): Promise<StreamResponse> {
      const { request, response } = await send(req, true);
      let cancelled = false;
      const cancel = (): void => {
        if (cancelled) return;
        cancelled = true;
        // A body read to its end leaves the socket to the keep-alive pool.
        if (response.complete) return;
        response.destroy();
        request.destroy();
      };
      async function* chunks(): AsyncGenerator<Buffer, void, undefined> {
        try {
          for await (const chunk of response) {
            if (cancelled) return;
            yield chunk as Buffer;
          }
        } catch (err) {
          // Our own cancel or the caller's abort ends the stream quietly.
          if (cancelled || req.signal?.aborted) return;
          throw err;
        } finally {
          cancel();
        }
      }
      return { status: response.statusCode ?? 0, headers: flattenHeaders(response.headers), chunks: chunks(), cancel };
    },

    close() {
      agent.destroy();
    },
  };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
