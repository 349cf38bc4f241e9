// The layer between typed clients and a transport: default headers, JSON
// encoding and decoding, non-2xx responses turned into StatusErrors, and one
// retry of idempotent reads over a keep-alive connection the server had
// already closed. Every transport goes through here, so HTTP and in-process
// behave alike.

import { StatusError } from '../api/status.js';
import { errorFromResponse, isConnectionReset } from './errors.js';
import type { StreamResponse, Transport, TransportRequest, TransportResponse } from './transport/types.js';

/** Bytes of an error body read from a failed stream before giving up on the rest. */
const MAX_ERROR_BODY = 1 << 20;

export class Requester {
  constructor(
    readonly transport: Transport,
    private readonly headers: Record<string, string>,
  ) {}

  /** Send, retrying an idempotent read once on a reset connection; any status. */
  async send(req: TransportRequest): Promise<TransportResponse> {
    const full = this.withHeaders(req);
    try {
      return await this.transport.request(full);
    } catch (err) {
      if (isIdempotent(req.method) && isConnectionReset(err) && !req.signal?.aborted) return this.transport.request(full);
      throw err;
    }
  }

  /** Send and decode a JSON response; non-2xx → StatusError. */
  async json<R>(req: TransportRequest): Promise<R> {
    const res = await this.send(req);
    if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, res.body);
    return decodeJson<R>(res.body);
  }

  /** Send and return the body as text; non-2xx → StatusError. */
  async text(req: TransportRequest): Promise<string> {
    const res = await this.send(req);
    if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, res.body);
    return res.body.toString('utf8');
  }

  /** Open a streamed response; non-2xx → StatusError (after reading the error body). */
  async stream(req: TransportRequest): Promise<StreamResponse> {
    const res = await this.transport.stream(this.withHeaders(req));
    if (res.status >= 200 && res.status <= 299) return res;
    const parts: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.chunks) {
        parts.push(chunk);
        size += chunk.length;
        if (size > MAX_ERROR_BODY) break;
      }
    } finally {
      res.cancel();
    }
    throw errorFromResponse(res.status, Buffer.concat(parts));
  }

  private withHeaders(req: TransportRequest): TransportRequest {
    return { ...req, headers: { ...this.headers, ...req.headers } };
  }
}

export function decodeJson<R>(body: Buffer): R {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined as R;
  try {
    return JSON.parse(text) as R;
  } catch {
    throw new StatusError(500, 'InternalError', `the server sent a response that is not JSON: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
  }
}

function isIdempotent(method: string): boolean {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD';
}
