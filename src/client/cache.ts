// The informer's local cache: objects by key ("ns/name", or "name" when
// cluster-scoped) with secondary indexes (client-go's thread_safe_store and
// Indexer), and listers that read it. JavaScript is single-threaded, so no
// locks are needed; callers must still treat cached objects as read-only and
// copy them (structuredClone) before changing anything.

import type { ObjectLike } from './resource-client.js';
import { toSelector, type SelectorInput } from './selector.js';

export type KeyFunc<T> = (obj: T) => string;
/** The index values of an object, e.g. its namespace, its node name, its owners' uids. */
export type IndexFunc<T> = (obj: T) => string[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** The index every informer cache has: objects by metadata.namespace ("" for cluster-scoped). */
export const NAMESPACE_INDEX = 'namespace';

export function namespaceIndexFunc(obj: ObjectLike): string[] {
  return [obj.metadata?.namespace ?? ''];
}

/** "namespace/name", or "name" for cluster-scoped objects. */
export function metaNamespaceKey(obj: ObjectLike): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error('object has no metadata.name');
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** metaNamespaceKey, but a tombstone gives the key it carries. */
export function deletionHandlingKey(obj: ObjectLike | DeletedFinalStateUnknown<ObjectLike>): string {
  return obj instanceof DeletedFinalStateUnknown ? obj.key : metaNamespaceKey(obj);
}

/** Split "ns/name" or "name"; namespace is "" for cluster-scoped keys. */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0] };
  if (parts.length === 2) return { namespace: parts[0], name: parts[1] };
  throw new Error(`unexpected key format: "${key}"`);
}

/**
 * What onDelete receives when the informer learned of a deletion by re-listing rather
 * than from a watch event: the last state it had, which may be stale.
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

export interface IndexerOptions<T> {
  keyFunc?: KeyFunc<T>;
  /** Extra indexes; the namespace index is always there. */
  indexers?: Indexers<T>;
}

export class Indexer<T extends ObjectLike = ObjectLike> {
  readonly keyFunc: KeyFunc<T>;
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(options: IndexerOptions<T> = {}) {
    this.keyFunc = options.keyFunc ?? metaNamespaceKey;
    this.addIndexers({ [NAMESPACE_INDEX]: namespaceIndexFunc, ...options.indexers });
  }

  get size(): number {
    return this.items.size;
  }

  keyOf(obj: T): string {
    return this.keyFunc(obj);
  }

  /** Add or replace an object; returns the one it replaced. */
  add(obj: T): T | undefined {
    const key = this.keyFunc(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.updateIndices(old, obj, key);
    return old;
  }

  update(obj: T): T | undefined {
    return this.add(obj);
  }

  /** Remove an object (by its key); returns what was cached. */
  delete(obj: T): T | undefined {
    return this.deleteByKey(this.keyFunc(obj));
  }

  deleteByKey(key: string): T | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.items.delete(key);
    this.updateIndices(old, undefined, key);
    return old;
  }

  get(obj: T): T | undefined {
    return this.items.get(this.keyFunc(obj));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  /** Make the cache hold exactly these objects. */
  replace(objs: Iterable<T>): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of objs) this.add(obj);
  }

  /** Add indexes (indexing what is cached already). A name already in use throws. */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer conflict: ${name}`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) for (const value of fn(obj)) addToIndex(index, value, key);
    }
  }

  indexerNames(): string[] {
    return [...this.indexers.keys()];
  }

  hasIndex(name: string): boolean {
    return this.indexers.has(name);
  }

  /** Objects sharing at least one value of index `name` with `obj`. */
  index(name: string, obj: T): T[] {
    const fn = this.indexFunc(name);
    const keys = new Set<string>();
    const index = this.indices.get(name)!;
    for (const value of fn(obj)) for (const key of index.get(value) ?? []) keys.add(key);
    return [...keys].map((key) => this.items.get(key)!);
  }

  /** Objects whose index `name` includes `value`. */
  byIndex(name: string, value: string): T[] {
    return this.indexKeys(name, value).map((key) => this.items.get(key)!);
  }

  indexKeys(name: string, value: string): string[] {
    this.indexFunc(name);
    return [...(this.indices.get(name)!.get(value) ?? [])];
  }

  /** Every value index `name` holds. */
  listIndexFuncValues(name: string): string[] {
    this.indexFunc(name);
    return [...this.indices.get(name)!.keys()];
  }

  private indexFunc(name: string): IndexFunc<T> {
    const fn = this.indexers.get(name);
    if (!fn) throw new Error(`index with name ${name} does not exist`);
    return fn;
  }

  private updateIndices(old: T | undefined, obj: T | undefined, key: string): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      const oldValues = old === undefined ? [] : fn(old);
      const newValues = obj === undefined ? [] : fn(obj);
      // The common case — the values did not change — touches nothing.
      if (oldValues.length === newValues.length && oldValues.every((v, i) => v === newValues[i])) continue;
      for (const value of oldValues) {
        const keys = index.get(value);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(value);
      }
      for (const value of newValues) addToIndex(index, value, key);
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

/** A label selector, or any predicate. */
export type ListFilter<T> = SelectorInput | ((obj: T) => boolean);

function toPredicate<T extends ObjectLike>(filter: ListFilter<T> | undefined): (obj: T) => boolean {
  if (filter === undefined) return () => true;
  if (typeof filter === 'function') return filter;
  const selector = toSelector(filter);
  if (selector.empty) return () => true;
  return (obj) => selector.matches(obj.metadata?.labels);
}

/** Read access to an informer's cache (client-go's listers). Objects are shared: do not mutate. */
export class Lister<T extends ObjectLike = ObjectLike> {
  constructor(readonly indexer: Indexer<T>) {}

  /** Every cached object, or those the selector or predicate accepts. */
  list(filter?: ListFilter<T>): T[] {
    const accept = toPredicate(filter);
    return this.indexer.list().filter(accept);
  }

  /** A cluster-scoped object by name, or a namespaced one by namespace and name. */
  get(name: string): T | undefined;
  get(namespace: string, name: string): T | undefined;
  get(a: string, b?: string): T | undefined {
    return this.indexer.getByKey(b === undefined ? a : a ? `${a}/${b}` : b);
  }

  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }
}

export class NamespaceLister<T extends ObjectLike = ObjectLike> {
  constructor(
    private readonly indexer: Indexer<T>,
    readonly namespace: string,
  ) {}

  list(filter?: ListFilter<T>): T[] {
    const accept = toPredicate(filter);
    const inNamespace = this.indexer.hasIndex(NAMESPACE_INDEX)
      ? this.indexer.byIndex(NAMESPACE_INDEX, this.namespace)
      : this.indexer.list().filter((o) => (o.metadata?.namespace ?? '') === this.namespace);
    return inNamespace.filter(accept);
  }

  get(name: string): T | undefined {
    return this.indexer.getByKey(this.namespace ? `${this.namespace}/${name}` : name);
  }
}
