// Executes etcd transactions against the MVCC index, after etcd's apply.go:
// compares choose each (nested) branch against the state before the txn, the
// chosen path is validated as a whole (no key written twice, leases exist),
// and only then are its ops run, all writes sharing one new revision. Reads
// inside a txn see the txn's earlier writes, as in etcd.

import { ErrDuplicateKey, ErrInvalidRequest, ErrKeyNotFound, ErrLeaseNotFound } from '../errors.js';
import { inRange } from '../keys.js';
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from '../types.js';
import type { MvccIndex, Write } from './mvcc.js';

/** One key written by a txn, with its live version before. */
export interface Change {
  kv: KeyValue;
  prev?: KeyValue;
}

export interface TxnResult {
  response: TxnResponse;
  /** Revision the writes went to, or 0 for a read-only txn. */
  revision: number;
  writes: Write[];
  changes: Change[];
}

export interface LeaseLookup {
  has(id: string): boolean;
}

/** A path through a txn: the branch each (nested) txn takes. */
interface Path {
  succeeded: boolean;
  ops: RequestOp[];
  nested: Map<number, Path>;
}

export class TxnExecutor {
  constructor(
    private readonly mvcc: MvccIndex,
    private readonly leases: LeaseLookup,
  ) {}

  run(req: TxnRequest): TxnResult {
    const path = this.choosePath(req);
    this.validate(path);
    const run = new Run(this.mvcc);
    const responses = run.ops(path);
    const revision = run.revision;
    const header = { revision: this.mvcc.currentRevision };
    setHeaders(responses, header.revision);
    return {
      response: { header, succeeded: path.succeeded, responses },
      revision,
      writes: run.writes,
      changes: run.changes,
    };
  }

  private choosePath(req: TxnRequest): Path {
    const succeeded = (req.compare ?? []).every((c) => this.compare(c));
    const ops = (succeeded ? req.success : req.failure) ?? [];
    const nested = new Map<number, Path>();
    ops.forEach((op, i) => {
      if ('txn' in op) nested.set(i, this.choosePath(op.txn));
    });
    return { succeeded, ops, nested };
  }

  private compare(c: Compare): boolean {
    const kvs: KeyValue[] = [];
    this.mvcc.forEachLive(c.key, c.rangeEnd, this.mvcc.currentRevision, (kv) => kvs.push(kv));
    if (kvs.length === 0) {
      if (c.target === 'value') return false;
      return compareKv(c, { key: c.key, value: '', createRevision: 0, modRevision: 0, version: 0, lease: '0' });
    }
    return kvs.every((kv) => compareKv(c, kv));
  }

  /** Reject the whole txn before anything is written (etcd's checkIntervals and checkRequestPut). */
  private validate(path: Path): void {
    const puts = new Set<string>();
    const deletes: DeleteRangeRequest[] = [];
    const visit = (p: Path): void => {
      p.ops.forEach((op, i) => {
        if ('put' in op) {
          const { key, lease, ignoreValue, ignoreLease } = op.put;
          if (typeof key !== 'string' || key === '') throw new ErrInvalidRequest('etcdserver: key is not provided');
          if (puts.has(key)) throw new ErrDuplicateKey(key);
          puts.add(key);
          if ((ignoreValue || ignoreLease) && !this.mvcc.latest(key)) throw new ErrKeyNotFound(key);
          if (ignoreLease && lease && lease !== '0') {
            throw new ErrInvalidRequest('etcdserver: lease is provided with ignore_lease');
          }
          if (ignoreValue && op.put.value) {
            throw new ErrInvalidRequest('etcdserver: value is provided with ignore_value');
          }
          if (lease && lease !== '0' && !this.leases.has(lease)) throw new ErrLeaseNotFound(lease);
        } else if ('deleteRange' in op) {
          if (typeof op.deleteRange.key !== 'string' || op.deleteRange.key === '') {
            throw new ErrInvalidRequest('etcdserver: key is not provided');
          }
          deletes.push(op.deleteRange);
        } else if ('txn' in op) {
          visit(p.nested.get(i)!);
        } else if ('range' in op) {
          if (typeof op.range.key !== 'string' || op.range.key === '') {
            throw new ErrInvalidRequest('etcdserver: key is not provided');
          }
          this.mvcc.checkReadRevision(op.range.revision ?? 0, this.mvcc.currentRevision);
        }
      });
    };
    visit(path);
    for (const del of deletes) {
      for (const key of puts) if (inRange(key, del.key, del.rangeEnd)) throw new ErrDuplicateKey(key);
    }
  }
}

/** Executes one validated path, opening the new revision at the first real write. */
class Run {
  revision = 0;
  readonly writes: Write[] = [];
  readonly changes: Change[] = [];

  constructor(private readonly mvcc: MvccIndex) {}

  ops(path: Path): ResponseOp[] {
    return path.ops.map((op, i): ResponseOp => {
      if ('range' in op) return { range: this.mvcc.range(op.range, this.mvcc.currentRevision) };
      if ('put' in op) return { put: this.put(op.put) };
      if ('deleteRange' in op) return { deleteRange: this.deleteRange(op.deleteRange) };
      const nested = path.nested.get(i)!;
      const responses = this.ops(nested);
      return { txn: { header: { revision: 0 }, succeeded: nested.succeeded, responses } };
    });
  }

  private open(): void {
    if (this.revision === 0) this.revision = this.mvcc.beginRevision();
  }

  private put(req: PutRequest): PutResponse {
    const prev = this.mvcc.latest(req.key);
    const value = req.ignoreValue ? prev!.value : String(req.value ?? '');
    const lease = req.ignoreLease ? prev!.lease : req.lease && req.lease !== '0' ? String(req.lease) : '0';
    this.open();
    const w: Write = { op: 'put', key: req.key, value, lease };
    const kv = this.mvcc.write(w);
    this.writes.push(w);
    this.changes.push({ kv, prev });
    return { header: { revision: 0 }, ...(req.prevKv && prev ? { prevKv: prev } : {}) };
  }

  private deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    const victims: KeyValue[] = [];
    this.mvcc.forEachLive(req.key, req.rangeEnd, this.mvcc.currentRevision, (kv) => victims.push(kv));
    if (victims.length > 0) this.open();
    for (const prev of victims) {
      const w: Write = { op: 'del', key: prev.key };
      const kv = this.mvcc.write(w);
      this.writes.push(w);
      this.changes.push({ kv, prev });
    }
    return { header: { revision: 0 }, deleted: victims.length, prevKvs: req.prevKv ? victims : [] };
  }
}

function setHeaders(responses: ResponseOp[], revision: number): void {
  for (const r of responses) {
    if ('txn' in r) {
      r.txn.header.revision = revision;
      setHeaders(r.txn.responses, revision);
    } else if ('put' in r) r.put.header.revision = revision;
    else if ('deleteRange' in r) r.deleteRange.header.revision = revision;
    else r.range.header.revision = revision;
  }
}

function compareKv(c: Compare, kv: KeyValue): boolean {
  let cmp: number;
  switch (c.target) {
    case 'value': {
      const want = String(c.value);
      cmp = kv.value < want ? -1 : kv.value > want ? 1 : 0;
      break;
    }
    case 'lease': {
      const a = BigInt(kv.lease || '0');
      const b = BigInt(String(c.value || '0'));
      cmp = a < b ? -1 : a > b ? 1 : 0;
      break;
    }
    case 'version':
      cmp = kv.version - Number(c.value);
      break;
    case 'create':
      cmp = kv.createRevision - Number(c.value);
      break;
    case 'mod':
      cmp = kv.modRevision - Number(c.value);
      break;
    default:
      throw new ErrInvalidRequest(`unknown compare target ${String(c.target)}`);
  }
  switch (c.result) {
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '<':
      return cmp < 0;
    case '>':
      return cmp > 0;
    default:
      throw new ErrInvalidRequest(`unknown compare result ${String(c.result)}`);
  }
}
