// Mapping between the store's types (src/storage/types.ts) and etcd's v3 wire
// messages as the `etcd3` package decodes them (proto-loader with
// keepCase, longs as strings, enums as strings, oneofs). Pure functions.

import type {
  ICompare,
  IDeleteRangeRequest,
  IDeleteRangeResponse,
  IEvent,
  IKeyValue,
  IPutRequest,
  IPutResponse,
  IRangeRequest,
  IRangeResponse,
  IRequestOp,
  IResponseHeader,
  IResponseOp,
  ITxnRequest,
  ITxnResponse,
  IWatchCreateRequest,
} from 'etcd3';
import { ErrInvalidRequest } from '../errors.js';
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchEvent,
  WatchRequest,
} from '../types.js';

const ZERO_KEY = Buffer.from([0]);

/** A key on the wire. etcd rejects an empty key; with a range, "" means "from the first key" = "\0". */
export function keyBytes(key: string, rangeEnd: string | undefined): Buffer {
  if (key === '' && rangeEnd !== undefined && rangeEnd !== '') return ZERO_KEY;
  return Buffer.from(key, 'utf8');
}

/** A range end on the wire; undefined and "" both mean "just the key". */
export function rangeEndBytes(rangeEnd: string | undefined): Buffer | undefined {
  if (rangeEnd === undefined || rangeEnd === '') return undefined;
  return Buffer.from(rangeEnd, 'utf8');
}

/** An int64 as etcd3 decodes it (a decimal string) to a number. */
export function num(v: string | number | undefined | null): number {
  if (v === undefined || v === null || v === '') return 0;
  return typeof v === 'number' ? v : Number(v);
}

/** A lease id for the wire: a decimal int64 string; absent/"" → "0". */
export function leaseId(id: string | undefined): string {
  if (id === undefined || id === '') return '0';
  if (!/^-?\d+$/.test(id)) throw new ErrInvalidRequest(`invalid lease id ${JSON.stringify(id)}: want a decimal integer`);
  // Normalise "007" → "7" without losing int64 precision.
  return BigInt(id).toString();
}

function nonNegativeInt(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (!Number.isInteger(v) || v < 0) throw new ErrInvalidRequest(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

export function header(h: IResponseHeader | null | undefined): ResponseHeader {
  return { revision: num(h?.revision) };
}

export function keyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key ? kv.key.toString('utf8') : '',
    value: kv.value ? kv.value.toString('utf8') : '',
    createRevision: num(kv.create_revision),
    modRevision: num(kv.mod_revision),
    version: num(kv.version),
    lease: kv.lease ? String(kv.lease) : '0',
  };
}

export function rangeRequest(req: RangeRequest): IRangeRequest {
  const out: IRangeRequest = {
    key: keyBytes(req.key, req.rangeEnd),
    range_end: rangeEndBytes(req.rangeEnd),
    limit: nonNegativeInt('limit', req.limit),
    revision: nonNegativeInt('revision', req.revision),
    keys_only: !!req.keysOnly,
    count_only: !!req.countOnly,
    min_mod_revision: nonNegativeInt('minModRevision', req.minModRevision),
    max_mod_revision: nonNegativeInt('maxModRevision', req.maxModRevision),
    min_create_revision: nonNegativeInt('minCreateRevision', req.minCreateRevision),
    max_create_revision: nonNegativeInt('maxCreateRevision', req.maxCreateRevision),
  };
  return out;
}

export function rangeResponse(res: IRangeResponse, fallback?: ResponseHeader): RangeResponse {
  return {
    header: headerOr(res.header, fallback),
    kvs: (res.kvs ?? []).map(keyValue),
    more: !!res.more,
    count: num(res.count),
  };
}

export function putRequest(req: PutRequest): IPutRequest {
  if (typeof req.key !== 'string') throw new ErrInvalidRequest('put: key must be a string');
  return {
    key: Buffer.from(req.key, 'utf8'),
    // etcd rejects a value/lease together with ignore_value/ignore_lease.
    value: req.ignoreValue ? Buffer.alloc(0) : Buffer.from(req.value ?? '', 'utf8'),
    lease: req.ignoreLease ? '0' : leaseId(req.lease),
    prev_kv: !!req.prevKv,
    ignore_value: !!req.ignoreValue,
    ignore_lease: !!req.ignoreLease,
  };
}

export function putResponse(res: IPutResponse, fallback?: ResponseHeader): PutResponse {
  const out: PutResponse = { header: headerOr(res.header, fallback) };
  if (res.prev_kv) out.prevKv = keyValue(res.prev_kv);
  return out;
}

export function deleteRangeRequest(req: DeleteRangeRequest): IDeleteRangeRequest {
  return {
    key: keyBytes(req.key, req.rangeEnd),
    range_end: rangeEndBytes(req.rangeEnd),
    prev_kv: !!req.prevKv,
  };
}

export function deleteRangeResponse(res: IDeleteRangeResponse, fallback?: ResponseHeader): DeleteRangeResponse {
  return {
    header: headerOr(res.header, fallback),
    deleted: num(res.deleted),
    prevKvs: (res.prev_kvs ?? []).map(keyValue),
  };
}

const RESULTS = { '=': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const;

export function compare(c: Compare): ICompare {
  const result = RESULTS[c.result];
  if (!result) throw new ErrInvalidRequest(`compare: unknown result ${JSON.stringify(c.result)}`);
  const base: ICompare = {
    key: keyBytes(c.key, c.rangeEnd),
    range_end: rangeEndBytes(c.rangeEnd),
    result,
  };
  const numberValue = (): number => {
    if (typeof c.value !== 'number' || !Number.isInteger(c.value)) {
      throw new ErrInvalidRequest(`compare on ${c.target}: value must be an integer, got ${JSON.stringify(c.value)}`);
    }
    return c.value;
  };
  switch (c.target) {
    case 'value':
      if (typeof c.value !== 'string') throw new ErrInvalidRequest('compare on value: value must be a string');
      return { ...base, target: 'Value', value: Buffer.from(c.value, 'utf8') };
    case 'version':
      return { ...base, target: 'Version', version: numberValue() };
    case 'create':
      return { ...base, target: 'Create', create_revision: numberValue() };
    case 'mod':
      return { ...base, target: 'Mod', mod_revision: numberValue() };
    case 'lease':
      return { ...base, target: 'Lease', lease: leaseId(String(c.value)) };
    default:
      throw new ErrInvalidRequest(`compare: unknown target ${JSON.stringify((c as Compare).target)}`);
  }
}

export function requestOp(op: RequestOp): IRequestOp {
  if ('range' in op) return { request_range: rangeRequest(op.range) };
  if ('put' in op) return { request_put: putRequest(op.put) };
  if ('deleteRange' in op) return { request_delete_range: deleteRangeRequest(op.deleteRange) };
  if ('txn' in op) return { request_txn: txnRequest(op.txn) };
  throw new ErrInvalidRequest(`txn: unknown operation ${JSON.stringify(Object.keys(op as object))}`);
}

export function txnRequest(req: TxnRequest): ITxnRequest {
  return {
    compare: (req.compare ?? []).map(compare),
    success: (req.success ?? []).map(requestOp),
    failure: (req.failure ?? []).map(requestOp),
  };
}

/** Which oneof member of a ResponseOp is set (proto-loader's `oneofs: true` names it in `response`). */
function responseKind(op: IResponseOp): keyof IResponseOp | undefined {
  const named = (op as IResponseOp & { response?: keyof IResponseOp }).response;
  if (named) return named;
  for (const k of ['response_range', 'response_put', 'response_delete_range', 'response_txn'] as const) {
    if (op[k]) return k;
  }
  return undefined;
}

export function responseOp(op: IResponseOp, fallback: ResponseHeader): ResponseOp {
  switch (responseKind(op)) {
    case 'response_range':
      return { range: rangeResponse(op.response_range, fallback) };
    case 'response_put':
      return { put: putResponse(op.response_put, fallback) };
    case 'response_delete_range':
      return { deleteRange: deleteRangeResponse(op.response_delete_range, fallback) };
    case 'response_txn':
      return { txn: txnResponse(op.response_txn, fallback) };
    default:
      throw new Error(`etcd returned an empty ResponseOp: ${JSON.stringify(op)}`);
  }
}

export function txnResponse(res: ITxnResponse, fallback?: ResponseHeader): TxnResponse {
  const h = headerOr(res.header, fallback);
  return {
    header: h,
    succeeded: !!res.succeeded,
    responses: (res.responses ?? []).map((op) => responseOp(op, h)),
  };
}

/** etcd leaves some nested headers unset (revision 0): use the enclosing txn's. */
function headerOr(h: IResponseHeader | null | undefined, fallback: ResponseHeader | undefined): ResponseHeader {
  const own = header(h);
  if (own.revision === 0 && fallback) return { revision: fallback.revision };
  return own;
}

export function watchCreateRequest(req: WatchRequest, startRevision: number): IWatchCreateRequest {
  const filters: Array<'Noput' | 'Nodelete'> = [];
  for (const f of req.filters ?? []) {
    if (f === 'noput') filters.push('Noput');
    else if (f === 'nodelete') filters.push('Nodelete');
    else throw new ErrInvalidRequest(`watch: unknown filter ${JSON.stringify(f)}`);
  }
  return {
    key: keyBytes(req.key, req.rangeEnd),
    range_end: rangeEndBytes(req.rangeEnd),
    start_revision: startRevision,
    progress_notify: !!req.progressNotify,
    filters,
    prev_kv: !!req.prevKv,
  };
}

export function watchEvent(ev: IEvent): WatchEvent {
  // etcd3's proto names the enum values Put = 0 and Delete = 1.
  const t = ev.type as unknown;
  const type = t === 'Delete' || t === 1 ? 'DELETE' : 'PUT';
  const out: WatchEvent = { type, kv: keyValue(ev.kv) };
  if (ev.prev_kv) out.prevKv = keyValue(ev.prev_kv);
  return out;
}

/** Keys a txn branch writes (puts) and deletes (ranges), for the duplicate-key message. */
export function duplicateKeyIn(req: TxnRequest): string | undefined {
  const scan = (ops: RequestOp[] | undefined): string | undefined => {
    const puts = new Set<string>();
    const dels: Array<[string, string | undefined]> = [];
    for (const op of ops ?? []) {
      if ('put' in op) {
        if (puts.has(op.put.key)) return op.put.key;
        puts.add(op.put.key);
      } else if ('deleteRange' in op) {
        dels.push([op.deleteRange.key, op.deleteRange.rangeEnd]);
      } else if ('txn' in op) {
        const nested = scan(op.txn.success) ?? scan(op.txn.failure);
        if (nested) return nested;
      }
    }
    for (const key of puts) {
      for (const [start, end] of dels) {
        if (end === undefined || end === '' ? key === start : end === '\0' ? key >= start : key >= start && key < end) {
          return key;
        }
      }
    }
    return undefined;
  };
  return scan(req.success) ?? scan(req.failure);
}

/** The first put of a txn (recursively) matching `pred`. */
export function findPut(req: TxnRequest, pred: (p: PutRequest) => boolean): PutRequest | undefined {
  for (const ops of [req.success, req.failure]) {
    for (const op of ops ?? []) {
      if ('put' in op && pred(op.put)) return op.put;
      if ('txn' in op) {
        const nested = findPut(op.txn, pred);
        if (nested) return nested;
      }
    }
  }
  return undefined;
}
