import { castGrpcError, ClientClosedError } from 'etcd3';
import { describe, expect, it } from 'vitest';
import {
  ErrClosed,
  ErrCompacted,
  ErrCorrupt,
  ErrInvalidRequest,
  ErrUnavailable,
  StorageError,
} from '../../../../src/storage/errors.js';
import { basicStorageError, classifyEtcdError, etcdMessage } from '../../../../src/storage/etcd/errors.js';

/** An error as grpc-js raises it, then cast by etcd3 as its RPC clients do. */
function grpc(code: number, name: string, details: string): Error {
  const err = Object.assign(new Error(`${code} ${name}: ${details}`), { code, details });
  return castGrpcError(err);
}

describe('classifyEtcdError', () => {
  const cases: Array<[string, Error, ReturnType<typeof classifyEtcdError>]> = [
    ['compacted', grpc(11, 'OUT_OF_RANGE', 'etcdserver: mvcc: required revision has been compacted'), 'compacted'],
    ['future revision', grpc(11, 'OUT_OF_RANGE', 'etcdserver: mvcc: required revision is a future revision'), 'futureRev'],
    ['lease not found', grpc(5, 'NOT_FOUND', 'etcdserver: requested lease not found'), 'leaseNotFound'],
    ['lease exists', grpc(9, 'FAILED_PRECONDITION', 'etcdserver: lease already exists'), 'leaseExists'],
    ['duplicate key', grpc(3, 'INVALID_ARGUMENT', 'etcdserver: duplicate key given in txn request'), 'duplicateKey'],
    ['ignore_value on a missing key', grpc(3, 'INVALID_ARGUMENT', 'etcdserver: key not found'), 'keyNotFound'],
    ['empty key', grpc(3, 'INVALID_ARGUMENT', 'etcdserver: key is not provided'), 'invalid'],
    ['too many txn ops', grpc(3, 'INVALID_ARGUMENT', 'etcdserver: too many operations in txn request'), 'invalid'],
    ['request too large', grpc(3, 'INVALID_ARGUMENT', 'etcdserver: request is too large'), 'invalid'],
    ['no leader', grpc(14, 'UNAVAILABLE', 'etcdserver: no leader'), 'unavailable'],
    ['request timed out', grpc(14, 'UNAVAILABLE', 'etcdserver: request timed out'), 'unavailable'],
    ['no space', grpc(8, 'RESOURCE_EXHAUSTED', 'etcdserver: mvcc: database space exceeded'), 'unavailable'],
    [
      'connection refused',
      grpc(14, 'UNAVAILABLE', 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1'),
      'unavailable',
    ],
    ['deadline', grpc(4, 'DEADLINE_EXCEEDED', 'Deadline exceeded'), 'unavailable'],
    ['corrupt', grpc(15, 'DATA_LOSS', 'etcdserver: corrupt cluster'), 'corrupt'],
    ['permission denied', grpc(7, 'PERMISSION_DENIED', 'etcdserver: permission denied'), 'invalid'],
    ['client closed', new ClientClosedError('KV'), 'closed'],
    ['uncast grpc error with a code', Object.assign(new Error('14 UNAVAILABLE: boom'), { code: 14 }), 'unavailable'],
    ['something else', new Error('what is this'), 'unknown'],
  ];
  for (const [name, err, kind] of cases) {
    it(`${name} → ${kind}`, () => {
      expect(classifyEtcdError(err)).toBe(kind);
    });
  }
});

describe('basicStorageError', () => {
  it('maps transport failures to ErrUnavailable, keeping the cause', () => {
    const cause = grpc(14, 'UNAVAILABLE', 'No connection established');
    const err = basicStorageError(cause, false);
    expect(err).toBeInstanceOf(ErrUnavailable);
    expect(err.code).toBe('Unavailable');
    expect((err as Error & { cause?: unknown }).cause).toBe(cause);
  });

  it('maps bad requests to ErrInvalidRequest with etcd’s words', () => {
    const err = basicStorageError(grpc(3, 'INVALID_ARGUMENT', 'etcdserver: key is not provided'), false);
    expect(err).toBeInstanceOf(ErrInvalidRequest);
    expect(err.message).toBe('etcd: etcdserver: key is not provided');
  });

  it('maps data loss to ErrCorrupt', () => {
    expect(basicStorageError(grpc(15, 'DATA_LOSS', 'etcdserver: corrupt cluster'), false)).toBeInstanceOf(ErrCorrupt);
  });

  it('says ErrClosed for anything once the store is closed', () => {
    expect(basicStorageError(grpc(1, 'CANCELLED', 'Cancelled on client'), true)).toBeInstanceOf(ErrClosed);
    expect(basicStorageError(new ClientClosedError('KV'), false)).toBeInstanceOf(ErrClosed);
  });

  it('passes store errors through untouched', () => {
    const mine = new ErrCompacted(10, 3);
    expect(basicStorageError(mine, false)).toBe(mine);
  });

  it('never returns a non-StorageError', () => {
    expect(basicStorageError('a string', false)).toBeInstanceOf(StorageError);
    expect(basicStorageError(undefined, false)).toBeInstanceOf(StorageError);
  });
});

describe('etcdMessage', () => {
  it('strips the grpc-js prefix', () => {
    expect(etcdMessage(grpc(3, 'INVALID_ARGUMENT', 'etcdserver: key is not provided'))).toBe(
      'etcdserver: key is not provided',
    );
  });
});
