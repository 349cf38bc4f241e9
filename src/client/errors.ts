// Turning responses into StatusErrors, and the predicates controllers use to
// branch on them (as apimachinery's errors.IsNotFound and friends).

import { isStatusError, StatusError, type Status, type StatusReason } from '../api/status.js';

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * The error for a non-2xx response: the Status in the body when there is one, otherwise
 * a StatusError carrying the HTTP code, the reason that code implies (InternalError for
 * codes without one) and the body text as its message.
 */
export function errorFromResponse(code: number, body: Buffer | string): StatusError {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const status = parseStatus(text);
  if (status) return StatusError.fromStatus(status, code);
  const message = text.trim() || `the server responded with status code ${code}`;
  return new StatusError(code, REASON_BY_CODE[code] ?? 'InternalError', message);
}

/** The Status a JSON text holds, if it is one. */
export function parseStatus(text: string): Partial<Status> | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && (parsed as { kind?: unknown }).kind === 'Status') return parsed as Partial<Status>;
  } catch {
    // not JSON
  }
  return undefined;
}

/** Whether a value is a Status object (what DELETE may return instead of the object). */
export function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status' && (value as { apiVersion?: unknown }).apiVersion === 'v1';
}

export function isNotFound(err: unknown): boolean {
  return isStatusError(err) && (err.reason === 'NotFound' || err.code === 404);
}

export function isAlreadyExists(err: unknown): boolean {
  return isStatusError(err, 'AlreadyExists');
}

/** 409 Conflict on a stale resourceVersion (not AlreadyExists, which is also a 409). */
export function isConflict(err: unknown): boolean {
  return isStatusError(err, 'Conflict');
}

export function isInvalid(err: unknown): boolean {
  return isStatusError(err, 'Invalid');
}

/** 410: a resourceVersion or continue token older than the server keeps; re-list. */
export function isResourceExpired(err: unknown): boolean {
  return isStatusError(err) && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

export function isTooManyRequests(err: unknown): boolean {
  return isStatusError(err) && (err.code === 429 || err.reason === 'TooManyRequests');
}

/** A failure to reach the server at all (no HTTP response): refused, reset, timed out. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'].includes(code);
}

/** A reused keep-alive connection the server had already closed: safe to retry an idempotent request. */
export function isConnectionReset(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code === 'ECONNRESET' || e?.code === 'EPIPE' || e?.message === 'socket hang up';
}
