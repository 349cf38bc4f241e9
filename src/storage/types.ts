// The store's data model and its one interface, after etcd's v3 API (mvccpb/rpc.proto).
//
// Keys and values are strings (UTF-8 on disk and on the wire). Keys sort by
// code unit, which equals etcd's byte order for every key below U+D800 — in
// practice every key the control plane writes ("/registry/pods/ns/name").
// Revisions are plain numbers: 2^53 writes is beyond any store's lifetime.
// Lease IDs are decimal strings because etcd's are full int64s.

/** One version of one key, as etcd's mvccpb.KeyValue. */
export interface KeyValue {
  key: string;
  /** Empty for keys-only reads. */
  value: string;
  /** Revision of the last creation of this key (resets after a delete). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
  /** Writes since the key was (re)created, starting at 1. */
  version: number;
  /** Lease the key is attached to, or "0" for none. */
  lease: string;
}

export interface ResponseHeader {
  /** The store's revision when the request was served. */
  revision: number;
}

export interface RangeRequest {
  key: string;
  /**
   * Half-open end of the range [key, rangeEnd). Absent: just `key`.
   * "\0": every key >= `key`. Use `prefixEnd(p)` for a prefix.
   */
  rangeEnd?: string;
  /** At most this many kvs; 0 or absent means no limit. */
  limit?: number;
  /** Read at this past revision; 0 or absent means the current one. */
  revision?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  /** True when `limit` cut the result. */
  more: boolean;
  /** Number of keys in the range (before `limit`). */
  count: number;
}

export interface PutRequest {
  key: string;
  value: string;
  /** Attach to this lease ("0" or absent: none). */
  lease?: string;
  prevKv?: boolean;
  /** Keep the current value (etcd's ignore_value); fails if the key is missing. */
  ignoreValue?: boolean;
  /** Keep the current lease (etcd's ignore_lease); fails if the key is missing. */
  ignoreLease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: string;
  rangeEnd?: string;
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export type CompareTarget = 'value' | 'version' | 'create' | 'mod' | 'lease';
export type CompareResult = '=' | '!=' | '<' | '>';

/** A txn guard. With rangeEnd, every key in the range must satisfy it. */
export interface Compare {
  key: string;
  rangeEnd?: string;
  target: CompareTarget;
  result: CompareResult;
  /** A string for value and lease, a number for version, create and mod. */
  value: string | number;
}

export type RequestOp =
  | { range: RangeRequest }
  | { put: PutRequest }
  | { deleteRange: DeleteRangeRequest }
  | { txn: TxnRequest };

export type ResponseOp =
  | { range: RangeResponse }
  | { put: PutResponse }
  | { deleteRange: DeleteRangeResponse }
  | { txn: TxnResponse };

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactResponse {
  header: ResponseHeader;
}

export type EventType = 'PUT' | 'DELETE';

export interface WatchEvent {
  type: EventType;
  /** For DELETE: key and modRevision (the deletion's revision); other fields zero. */
  kv: KeyValue;
  prevKv?: KeyValue;
}

export interface WatchRequest {
  key: string;
  rangeEnd?: string;
  /** First revision to deliver; absent or 0: changes after the current revision. */
  startRevision?: number;
  prevKv?: boolean;
  /** Ask for periodic progress notifications while the watch is idle. */
  progressNotify?: boolean;
  /** Drop these event types. */
  filters?: Array<'noput' | 'nodelete'>;
}

export interface WatchResponse {
  header: ResponseHeader;
  events: WatchEvent[];
  /**
   * A progress notification: no events, and every event up to
   * header.revision has been delivered.
   */
  progressNotify?: boolean;
  /** The watch ended; no more responses follow. */
  canceled?: boolean;
  cancelReason?: string;
  /** Set with canceled when the requested history was compacted away. */
  compactRevision?: number;
}

export type WatchListener = (resp: WatchResponse) => void;

export interface Watcher {
  readonly id: number;
  /** Ask for a progress notification (delivered through the listener). */
  requestProgress(): void;
  cancel(): Promise<void>;
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  id: string;
  /** Granted TTL in seconds. */
  ttl: number;
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  id: string;
  ttl: number;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  id: string;
  /** Remaining seconds; -1 when the lease does not exist (expired or revoked). */
  ttl: number;
  grantedTtl: number;
  keys: string[];
}

export interface StoreStatus {
  header: ResponseHeader;
  /** Revisions below this were compacted away; reads at it still work. */
  compactRevision: number;
  /** Backend name and version, e.g. "embedded" or "etcd 3.4.23". */
  version: string;
  /** Approximate bytes held (index and values), where the backend knows. */
  dbSize?: number;
}

/**
 * A key-value store with etcd's semantics: one increasing revision per write
 * transaction, MVCC reads at past revisions, ordered gap-free watches,
 * compaction and leases. Implemented by the embedded store and by real etcd.
 */
export interface Store {
  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  /** Atomic: all compares, then all ops of one branch, at one revision. */
  txn(req: TxnRequest): Promise<TxnResponse>;
  /** Drop history below `revision`. Reads and watches below it get ErrCompacted. */
  compact(revision: number): Promise<CompactResponse>;
  /**
   * Start a watch. Rejects with ErrCompacted when startRevision is below the
   * compaction point (a start exactly at it is served, as in etcd), and
   * ErrFutureRev is never raised: a future start simply waits. Events arrive in revision order, without gaps or duplicates.
   */
  watch(req: WatchRequest, listener: WatchListener): Promise<Watcher>;
  /** Grant a lease of ttl seconds, with a chosen id or a generated one. */
  leaseGrant(ttl: number, id?: string): Promise<LeaseGrantResponse>;
  /** Delete the lease and every key attached to it, in one revision. */
  leaseRevoke(id: string): Promise<{ header: ResponseHeader }>;
  /** Renew a lease to its granted TTL. Rejects ErrLeaseNotFound when gone. */
  leaseKeepAlive(id: string): Promise<LeaseKeepAliveResponse>;
  leaseTimeToLive(id: string, opts?: { keys?: boolean }): Promise<LeaseTimeToLiveResponse>;
  leaseLeases(): Promise<string[]>;
  status(): Promise<StoreStatus>;
  close(): Promise<void>;
}
