// Sentinel errors of the store, after etcd's mvcc and lease packages. Each
// has a stable `code` so callers (the API server maps ErrCompacted to 410
// Gone) never need to match on messages. Both backends raise the same ones.

export type StorageErrorCode =
  | 'Compacted'
  | 'FutureRev'
  | 'LeaseNotFound'
  | 'LeaseExists'
  | 'KeyNotFound'
  | 'DuplicateKey'
  | 'InvalidRequest'
  | 'Closed'
  | 'Locked'
  | 'Corrupt'
  | 'Unavailable';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = `Err${code}`;
  }
}

/** The requested revision is at or below the compaction point. */
export class ErrCompacted extends StorageError {
  constructor(
    readonly compactRevision: number,
    readonly requestedRevision: number,
  ) {
    super(
      'Compacted',
      `mvcc: required revision ${requestedRevision} has been compacted (compacted up to ${compactRevision})`,
    );
  }
}

/** The requested revision is newer than the store's current revision. */
export class ErrFutureRev extends StorageError {
  constructor(
    readonly currentRevision: number,
    readonly requestedRevision: number,
  ) {
    super('FutureRev', `mvcc: required revision ${requestedRevision} is a future revision (current ${currentRevision})`);
  }
}

export class ErrLeaseNotFound extends StorageError {
  constructor(readonly leaseId: string) {
    super('LeaseNotFound', `lease ${leaseId} not found`);
  }
}

export class ErrLeaseExists extends StorageError {
  constructor(readonly leaseId: string) {
    super('LeaseExists', `lease ${leaseId} already exists`);
  }
}

/** A put with ignoreValue/ignoreLease on a key that does not exist. */
export class ErrKeyNotFound extends StorageError {
  constructor(readonly key: string) {
    super('KeyNotFound', `key not found: ${key}`);
  }
}

/** One txn writes the same key twice. */
export class ErrDuplicateKey extends StorageError {
  constructor(readonly key: string) {
    super('DuplicateKey', `duplicate key given in txn request: ${key}`);
  }
}

export class ErrInvalidRequest extends StorageError {
  constructor(message: string) {
    super('InvalidRequest', message);
  }
}

export class ErrClosed extends StorageError {
  constructor() {
    super('Closed', 'store is closed');
  }
}

/** Another process holds the data directory. */
export class ErrLocked extends StorageError {
  constructor(
    readonly dir: string,
    readonly holderPid?: number,
  ) {
    super(
      'Locked',
      `data dir ${dir} is in use${holderPid ? ` by process ${holderPid}` : ''}; ` +
        'stop that process or choose another --data-dir',
    );
  }
}

/** Stored data failed its checksum where truncating would lose acknowledged writes. */
export class ErrCorrupt extends StorageError {
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super('Corrupt', `${file}: corrupt at byte ${offset}: ${detail}`);
  }
}

export class ErrUnavailable extends StorageError {
  constructor(message: string) {
    super('Unavailable', message);
  }
}
