// etcd's errors (gRPC status + "etcdserver: …" messages, as cast by the
// `etcd3` package) mapped to the store's sentinel errors. `classifyEtcdError`
// is pure; building ErrCompacted / ErrFutureRev needs revisions that only the
// store can look up, so the store finishes those.

import { ClientClosedError, GRPCGenericError } from 'etcd3';
import {
  ErrClosed,
  ErrCorrupt,
  ErrInvalidRequest,
  ErrUnavailable,
  StorageError,
} from '../errors.js';

export type EtcdErrorKind =
  | 'compacted'
  | 'futureRev'
  | 'leaseNotFound'
  | 'leaseExists'
  | 'keyNotFound'
  | 'duplicateKey'
  | 'invalid'
  | 'unavailable'
  | 'closed'
  | 'corrupt'
  | 'unknown';

// etcd 3.4 api/v3rpc/rpctypes messages, most specific first.
const MESSAGE_KINDS: Array<[string, EtcdErrorKind]> = [
  ['mvcc: required revision has been compacted', 'compacted'],
  ['mvcc: required revision is a future revision', 'futureRev'],
  ['requested lease not found', 'leaseNotFound'],
  ['lease not found', 'leaseNotFound'],
  ['lease already exists', 'leaseExists'],
  ['duplicate key given in txn request', 'duplicateKey'],
  ['etcdserver: key not found', 'keyNotFound'],
  ['etcdserver: key is not provided', 'invalid'],
  ['etcdserver: value is provided', 'invalid'],
  ['etcdserver: lease is provided', 'invalid'],
  ['etcdserver: too many operations in txn request', 'invalid'],
  ['etcdserver: request is too large', 'invalid'],
  ['etcdserver: too large lease TTL', 'invalid'],
  ['etcdserver: invalid', 'invalid'],
  ['etcdserver: permission denied', 'invalid'],
  ['etcdserver: authentication failed', 'invalid'],
  ['etcdserver: user name is empty', 'invalid'],
  ['etcdserver: corrupt cluster', 'corrupt'],
  ['mvcc: database space exceeded', 'unavailable'],
  ['etcdserver: no leader', 'unavailable'],
  ['etcdserver: not leader', 'unavailable'],
  ['etcdserver: leader changed', 'unavailable'],
  ['etcdserver: not capable', 'unavailable'],
  ['etcdserver: server stopped', 'unavailable'],
  ['etcdserver: request timed out', 'unavailable'],
  ['etcdserver: unhealthy cluster', 'unavailable'],
  ['etcdserver: too many requests', 'unavailable'],
  ['etcdserver: request cancelled', 'unavailable'],
];

// gRPC status codes (the cast errors keep them at the start of the message: "14 UNAVAILABLE: …").
const CODE_KINDS: Record<number, EtcdErrorKind> = {
  1: 'unavailable', // CANCELLED: connection torn down under the call
  3: 'invalid', // INVALID_ARGUMENT
  4: 'unavailable', // DEADLINE_EXCEEDED
  8: 'unavailable', // RESOURCE_EXHAUSTED
  9: 'invalid', // FAILED_PRECONDITION
  11: 'invalid', // OUT_OF_RANGE
  12: 'invalid', // UNIMPLEMENTED
  13: 'unavailable', // INTERNAL
  14: 'unavailable', // UNAVAILABLE
  15: 'corrupt', // DATA_LOSS
  16: 'invalid', // UNAUTHENTICATED
};

const NAME_KINDS: Record<string, EtcdErrorKind> = {
  GRPCUnavailableError: 'unavailable',
  GRPCDeadlineExceededError: 'unavailable',
  GRPCCancelledError: 'unavailable',
  GRPCInternalError: 'unavailable',
  GRPCResourceExhastedError: 'unavailable',
  GRPCAbortedError: 'unavailable',
  GRPCConnectFailedError: 'unavailable',
  BrokenCircuitError: 'unavailable',
  EtcdLeaseInvalidError: 'leaseNotFound',
  EtcdPermissionDeniedError: 'invalid',
  EtcdAuthenticationFailedError: 'invalid',
  EtcdInvalidAuthTokenError: 'invalid',
  GRPCInvalidArgumentError: 'invalid',
  GRPCFailedPreconditionError: 'invalid',
  GRPCOutOfRangeError: 'invalid',
  GRPCNotImplementedError: 'invalid',
  GRPCUnauthenticatedError: 'invalid',
  GRPCDataLossError: 'corrupt',
};

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  const m = /(?:^|:\s)(\d{1,2}) [A-Z_]+:/.exec(messageOf(err));
  return m ? Number(m[1]) : undefined;
}

/** What kind of failure an error from etcd3 / grpc-js is. */
export function classifyEtcdError(err: unknown): EtcdErrorKind {
  if (err instanceof StorageError) return 'unknown';
  if (err instanceof ClientClosedError) return 'closed';
  const message = messageOf(err);
  for (const [needle, kind] of MESSAGE_KINDS) {
    if (message.includes(needle)) return kind;
  }
  const name = (err as { constructor?: { name?: string } } | null)?.constructor?.name ?? '';
  if (NAME_KINDS[name]) return NAME_KINDS[name];
  const code = grpcCode(err);
  if (code !== undefined && CODE_KINDS[code]) return CODE_KINDS[code];
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|No connection established|Connection dropped/i.test(message)) {
    return 'unavailable';
  }
  if (err instanceof GRPCGenericError) return 'unavailable';
  return 'unknown';
}

/** The etcd message without grpc-js's "Error: 9 FAILED_PRECONDITION: " prefix. */
export function etcdMessage(err: unknown): string {
  const message = messageOf(err);
  return message.replace(/^[A-Za-z]*Error:\s*/, '').replace(/^\d{1,2} [A-Z_]+:\s*/, '');
}

/**
 * The store error for the kinds that need no extra lookups. Kinds that need
 * context (compacted, futureRev, lease*, key*) are finished by the store; here
 * they fall back to a generic error carrying etcd's message.
 */
export function basicStorageError(err: unknown, closed: boolean): StorageError {
  if (err instanceof StorageError) return err;
  if (closed) return new ErrClosed();
  const kind = classifyEtcdError(err);
  const msg = `etcd: ${etcdMessage(err)}`;
  let out: StorageError;
  switch (kind) {
    case 'closed':
      out = new ErrClosed();
      break;
    case 'unavailable':
      out = new ErrUnavailable(msg);
      break;
    case 'corrupt':
      out = new ErrCorrupt('etcd', 0, msg);
      break;
    case 'invalid':
      out = new ErrInvalidRequest(msg);
      break;
    default:
      // An error we do not recognise is most likely a transport problem; keep
      // the original as the cause so it is not lost.
      out = new ErrUnavailable(msg);
  }
  (out as Error & { cause?: unknown }).cause = err;
  return out;
}
