// The transport contract: one request in, one response out, bytes only.
// Everything Kubernetes-shaped (paths, JSON, Status errors, watch events)
// lives a layer up in the client, so the HTTP and in-process transports
// share that code and differ only in how bytes travel.

/** Query values; undefined entries are dropped, arrays repeat the key. */
export type QueryValue = string | number | boolean | undefined | ReadonlyArray<string | number | boolean>;
export type Query = Record<string, QueryValue>;

export interface TransportRequest {
  method: string;
  /** Path without query, already escaped, e.g. "/api/v1/namespaces/default/pods". */
  path: string;
  query?: Query;
  /** Header names in any case; the transports send them lower-cased. */
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Aborting cancels the request, or ends a stream that is being read. */
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A response whose body arrives over time (watch, log follow). Iterate `chunks` once;
 * the iteration ends when the server ends the body, throws when the connection breaks,
 * and ends quietly after `cancel()` or when the request's signal aborts.
 */
export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  chunks: AsyncIterable<Buffer>;
  /** Stop reading and release the connection (idempotent). */
  cancel(): void;
}

export interface Transport {
  /** Send a request and collect the whole response body. */
  request(req: TransportRequest): Promise<TransportResponse>;
  /** Send a request and resolve as soon as status and headers arrive. */
  stream(req: TransportRequest): Promise<StreamResponse>;
  /** Release pooled connections (HTTP); a no-op in process. */
  close(): void;
}

/** "?a=1&b=x" for a query (empty string when nothing is set). */
export function encodeQuery(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Lower-case the header names; drop empty names. */
export function lowerCaseHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (name) out[name.toLowerCase()] = value;
  return out;
}

/** The error a transport rejects with when the caller aborted. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error('the request was aborted');
  err.name = 'AbortError';
  return err;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
