// The in-process transport: calls the API server's handler directly, with no
// socket, so components started in the same process (`gitplane up`, tests)
// skip HTTP but run the very same client code above the transport.

import type { ApiHandler, ApiRequest, ApiResponse } from '../../api/handler.js';
import { internalError } from '../../api/status.js';
import { BodyChannel } from './body-channel.js';
import {
  abortError,
  encodeQuery,
  lowerCaseHeaders,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './types.js';

export interface InProcessTransportOptions {
  /** Reported to the handler as the caller's address (default "in-process"). */
  remoteAddress?: string;
  /** Headers added to every request (e.g. an authorization header). */
  headers?: Record<string, string>;
  /** Bytes a streamed response may buffer before the handler's write() waits (default 64 KiB). */
  highWaterMark?: number;
}

export function inProcessTransport(handler: ApiHandler, options: InProcessTransportOptions = {}): Transport {
  const dispatch = (req: TransportRequest): Promise<StreamResponse> => {
    if (req.signal?.aborted) return Promise.reject(abortError(req.signal));
    const controller = new AbortController();
    let head: { status: number; headers: Record<string, string> } | undefined;
    let finished = false;
    let resolveHead!: (res: StreamResponse) => void;
    let rejectHead!: (err: unknown) => void;
    const headers = new Promise<StreamResponse>((resolve, reject) => {
      resolveHead = resolve;
      rejectHead = reject;
    });
    const onCallerAbort = (): void => {
      controller.abort(req.signal?.reason);
      body.cancel();
      if (!head) rejectHead(abortError(req.signal));
    };
    const detach = (): void => req.signal?.removeEventListener('abort', onCallerAbort);
    const body = new BodyChannel(options.highWaterMark, () => {
      if (!controller.signal.aborted) controller.abort();
      detach();
    });
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });

    const writeHead = (status: number, responseHeaders: Record<string, string>): void => {
      if (head) return;
      head = { status, headers: lowerCaseHeaders(responseHeaders) };
      resolveHead({ ...head, chunks: body, cancel: () => body.cancel() });
    };
    const finish = (): void => {
      if (finished) return;
      finished = true;
      body.end();
      detach();
    };
    const res: ApiResponse = {
      writeHead,
      write(chunk) {
        if (!head) writeHead(200, {});
        return body.push(toBuffer(chunk));
      },
      end(chunk) {
        if (!head) writeHead(200, {});
        if (chunk !== undefined) void body.push(toBuffer(chunk));
        finish();
      },
    };
    const apiReq: ApiRequest = {
      method: req.method.toUpperCase(),
      url: req.path + encodeQuery(req.query),
      headers: { ...lowerCaseHeaders(options.headers), ...lowerCaseHeaders(req.headers) },
      ...(req.body !== undefined ? { body: toBuffer(req.body) } : {}),
      signal: controller.signal,
      remoteAddress: options.remoteAddress ?? 'in-process',
    };
    let running: Promise<void>;
    try {
      running = handler(apiReq, res);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      () => {
        if (!head) respondWithError(res, 'the handler returned without responding');
        finish();
      },
      (err: unknown) => {
        if (!head) {
          // As the HTTP server would: an unexpected failure is a 500 with a Status body.
          respondWithError(res, err instanceof Error ? err.message : String(err));
          return;
        }
        if (!finished) {
          finished = true;
          body.fail(err);
          detach();
        }
      },
    );
    return headers;
  };

  return {
    stream: dispatch,
    async request(req: TransportRequest): Promise<TransportResponse> {
      const response = await dispatch(req);
      const parts: Buffer[] = [];
      for await (const chunk of response.chunks) parts.push(chunk);
      if (req.signal?.aborted) throw abortError(req.signal);
      return { status: response.status, headers: response.headers, body: Buffer.concat(parts) };
    },
    close() {},
  };
}

function respondWithError(res: ApiResponse, message: string): void {
  const status = internalError(message).toJSON();
  res.writeHead(500, { 'content-type': 'application/json' });
  res.end(JSON.stringify(status));
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}
