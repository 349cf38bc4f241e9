// Query parameters, checked as strictly as kube-apiserver decodes them: a
// malformed resourceVersion, limit or timeout is a 400, never ignored.

import { badRequest, invalid } from '../api/status.js';
import { boolParam } from './negotiation.js';

const UINT = /^[0-9]+$/;

function uint(query: URLSearchParams, key: string): number | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  if (!UINT.test(v) || !Number.isSafeInteger(Number(v))) throw badRequest(`invalid ${key} "${v}": must be a non-negative integer`);
  return Number(v);
}

export interface ReadParams {
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  limit?: number;
  continueToken?: string;
  timeoutSeconds?: number;
  watch: boolean;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
}

/** Parameters of get, list and watch. */
export function readParams(query: URLSearchParams, isList: boolean): ReadParams {
  const rv = query.get('resourceVersion') ?? undefined;
  if (rv !== undefined && rv !== '' && (!UINT.test(rv) || !Number.isSafeInteger(Number(rv)))) {
    throw badRequest(`invalid resourceVersion "${rv}": must be a non-negative integer`);
  }
  const match = query.get('resourceVersionMatch') ?? undefined;
  if (match !== undefined && match !== '') {
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      throw badRequest(`invalid resourceVersionMatch "${match}": supported values are "Exact" and "NotOlderThan"`);
    }
    if (!rv) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (match === 'Exact' && rv === '0') throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
  }
  const watch = boolParam(query, 'watch');
  if (watch && match) throw badRequest('resourceVersionMatch is forbidden for watch');
  const sendInitialEvents = query.has('sendInitialEvents') ? boolParam(query, 'sendInitialEvents') : undefined;
  if (sendInitialEvents !== undefined && !watch) throw badRequest('sendInitialEvents is forbidden for list');
  if (!isList && (watch || query.has('limit') || query.has('continue'))) {
    // Single-object reads take none of the list parameters; kube ignores them, so do we (but still check them).
  }
  return {
    resourceVersion: rv || undefined,
    resourceVersionMatch: (match || undefined) as ReadParams['resourceVersionMatch'],
    limit: uint(query, 'limit'),
    continueToken: query.get('continue') || undefined,
    timeoutSeconds: uint(query, 'timeoutSeconds'),
    watch,
    allowWatchBookmarks: boolParam(query, 'allowWatchBookmarks'),
    sendInitialEvents,
  };
}

/** fieldValidation: Ignore, Warn or Strict. Unknown fields are always kept (the schemas cannot tell unknown-but-legal ones apart). */
export function fieldValidation(query: URLSearchParams): void {
  const v = query.get('fieldValidation');
  if (v !== null && v !== '' && !['Ignore', 'Warn', 'Strict'].includes(v)) {
    throw badRequest(`fieldValidation parameter unsupported: "${v}", supported values are: "Ignore", "Warn", "Strict"`);
  }
}

/** fieldManager: at most 128 bytes of printable characters. */
export function fieldManager(query: URLSearchParams, kind: string, name: string): string | undefined {
  fieldValidation(query);
  const m = query.get('fieldManager');
  if (m === null) return undefined;
  if (Buffer.byteLength(m) > 128) {
    throw invalid('', kind, name, [{ reason: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' }]);
  }
  if (/[^\x20-\x7e]/.test(m)) {
    throw invalid('', kind, name, [{ reason: 'FieldValueInvalid', field: 'fieldManager', message: 'Invalid value: must only contain printable characters' }]);
  }
  return m;
}
