// Writing responses: JSON bodies with the headers clients rely on (client-node
// throws without a JSON Content-Type), and Status objects for errors.

import type { ApiResponse } from '../../api/handler.js';
import { internalError, StatusError, type Status } from '../../api/status.js';

const BASE_HEADERS = { 'Cache-Control': 'no-cache, private' };

export function sendJson(res: ApiResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { ...BASE_HEADERS, 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function sendBytes(res: ApiResponse, code: number, body: Buffer | string, contentType: string): void {
  res.writeHead(code, { ...BASE_HEADERS, 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Any error as a Status: StatusErrors as they are, anything else as a logged 500. */
export function toStatus(err: unknown, log: (msg: string, err: unknown) => void): Status {
  if (err instanceof StatusError) return err.status;
  log('internal error', err);
  return internalError((err as Error)?.message ?? String(err)).status;
}

export function sendError(res: ApiResponse, err: unknown, log: (msg: string, err: unknown) => void): void {
  const status = toStatus(err, log);
  sendJson(res, status.code, status);
}
