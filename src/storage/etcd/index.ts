// The etcd backend of the store: the Store interface on real etcd v3.

export { createEtcdStore, EtcdStore, type EtcdStoreOptions } from './etcd-store.js';
export { classifyEtcdError, type EtcdErrorKind } from './errors.js';
