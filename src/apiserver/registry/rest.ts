// Generic REST storage for one resource, after kube-apiserver's
// registry/generic/registry/store.go: create with server-set metadata,
// get, paged list at a consistent revision, optimistic-concurrency update,
// and deletion with preconditions, finalizers, graceful deletion and
// deletionTimestamp. Every write is one store txn guarded by the key's
// mod revision, so conflicting writers get 409 and nothing is lost.

import { randomUUID } from 'node:crypto';
import { deepEqual } from '../../api/patch/json.js';
import { alreadyExists, badRequest, conflict, expired, invalid, notFound, StatusError, timeout } from '../../api/status.js';
import { ErrCompacted, ErrFutureRev, prefixEnd, type Compare, type RequestOp, type Store } from '../../storage/index.js';
import type { Clock } from '../../util/clock.js';
import type { Codec, Obj } from './codec.js';
import { listPrefix, objectKey, type ResourceInfo } from './resources.js';
import { apiTime as timestamp } from '../../util/time.js';
export { apiTime as timestamp } from '../../util/time.js';

/** What a kind adds to the generic flow (defaults, status handling, allocations). */
export interface Strategy {
  /** Reset server-owned fields of a new object (e.g. status). */
  prepareForCreate?(obj: Obj): void;
  /** Carry server-owned fields from the stored object into an update of the main resource. */
  prepareForUpdate?(next: Obj, prev: Obj): void;
  /** Validate and default; throws a StatusError (422) when the object is invalid. */
  validate(obj: Obj, prev?: Obj): Obj;
  /** Extra compares and ops written atomically with a create (e.g. IP allocations). */
  beforeCreate?(obj: Obj, dryRun: boolean): Promise<SideEffects>;
  beforeUpdate?(next: Obj, prev: Obj, dryRun: boolean): Promise<SideEffects>;
  /** Ops written atomically with the final delete (e.g. releasing allocations). */
  onDelete?(obj: Obj): RequestOp[];
  /** Seconds of graceful deletion, or 0 to delete now (pods on a node). */
  gracePeriod?(obj: Obj, requested: number | undefined): number;
  /** Finalizers outside metadata that must also be gone (a Namespace's spec.finalizers). */
  pendingFinalizers?(obj: Obj): number;
}

export interface SideEffects {
  compares: Compare[];
  ops: RequestOp[];
}

export interface ListOptions {
  /** Already-compiled selectors. */
  filter?: (obj: Obj) => boolean;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  /** When the field selector pins metadata.name, read just that key. */
  name?: string;
}

export interface ListResult {
  items: Obj[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
}

/** '' is the main resource; 'internal' is the server's own lifecycle writes. */
export type Subresource = '' | 'status' | 'internal';

const MAX_CONFLICT_RETRIES = 10;
const GENERATE_NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';


/** The parts of an object other than metadata and status: what generation tracks. */
function specOf(obj: Obj): Obj {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export class RestStorage {
  constructor(
    readonly resource: ResourceInfo,
    private readonly store: Store,
    private readonly codec: Codec,
    private readonly strategy: Strategy,
    private readonly clock: Clock,
  ) {}

  private key(ns: string | undefined, name: string): string {
    return objectKey(this.resource, ns, name);
  }

  /** The object and its mod revision, or a 404 StatusError. */
  async get(ns: string | undefined, name: string): Promise<Obj> {
    const resp = await this.store.range({ key: this.key(ns, name) });
    const kv = resp.kvs[0];
    if (!kv) throw notFound(this.resource.gr, name);
    return this.codec.decode(this.resource, kv);
  }

  async tryGet(ns: string | undefined, name: string): Promise<Obj | undefined> {
    const resp = await this.store.range({ key: this.key(ns, name) });
    return resp.kvs[0] ? this.codec.decode(this.resource, resp.kvs[0]) : undefined;
  }

  /**
   * A page of objects passing `filter`, read at one revision: the first page
   * at the current (or an exact) revision, later pages at the revision their
   * continue token carries, so a paged list is a consistent snapshot.
   */
  async list(ns: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    const prefix = listPrefix(this.resource, ns);
    const end = opts.name !== undefined ? undefined : prefixEnd(prefix);
    let from = opts.name !== undefined ? prefix + opts.name : prefix;
    let revision = 0;
    if (opts.continueToken) {
      const token = decodeContinue(opts.continueToken);
      if (!token.start.startsWith(prefix)) throw badRequest('continue key is not valid: it does not belong to this list');
      from = token.start;
      revision = token.rv;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0' && opts.resourceVersionMatch === 'Exact') {
      revision = parseRv(opts.resourceVersion);
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: Obj[] = [];
    let next: string | undefined;
    try {
      for (;;) {
        const chunk = limit ? Math.max(limit - items.length + 1, 64) : 0;
        const resp = await this.store.range({ key: from, rangeEnd: end, revision, limit: chunk });
        if (revision === 0) revision = resp.header.revision;
        for (const kv of resp.kvs) {
          const obj = this.codec.decode(this.resource, kv);
          if (opts.filter && !opts.filter(obj)) continue;
          if (limit && items.length === limit) {
            next = kv.key;
            break;
          }
          items.push(obj);
        }
        if (next || !resp.more || resp.kvs.length === 0) break;
        from = resp.kvs[resp.kvs.length - 1].key + '\0';
      }
    } catch (err) {
      throw mapStoreError(err, !!opts.continueToken);
    }
    return {
      items,
      resourceVersion: String(revision),
      ...(next ? { continueToken: encodeContinue({ rv: revision, start: next }) } : {}),
    };
  }

  /** Fill in server-set metadata of a new object. */
  private initMeta(obj: Obj, ns: string | undefined): void {
    const meta = (obj.metadata ??= {});
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (!meta.name && meta.generateName) {
      checkGenerateName(this.resource, meta.generateName);
      meta.name = generateName(meta.generateName);
    }
    if (this.resource.namespaced) meta.namespace = ns;
    else delete meta.namespace;
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.clock.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.resource.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
  }

  async create(ns: string | undefined, input: Obj, opts: WriteOptions = {}): Promise<Obj> {
    const obj = structuredClone(input);
    this.initMeta(obj, ns);
    this.strategy.prepareForCreate?.(obj);
    const valid = this.strategy.validate(obj);
    const key = this.key(ns, valid.metadata.name);
    for (let attempt = 0; ; attempt++) {
      const candidate = structuredClone(valid);
      const side = (await this.strategy.beforeCreate?.(candidate, !!opts.dryRun)) ?? { compares: [], ops: [] };
      if (opts.dryRun) return candidate;
      const resp = await this.store.txn({
        compare: [{ key, target: 'create', result: '=', value: 0 }, ...side.compares],
        success: [{ put: { key, value: this.codec.encode(this.resource, candidate) } }, ...side.ops],
        failure: [{ range: { key, countOnly: true } }],
      });
      if (resp.succeeded) {
        candidate.metadata.resourceVersion = String(resp.header.revision);
        return candidate;
      }
      const exists = 'range' in resp.responses[0] && resp.responses[0].range.count > 0;
      if (exists) throw alreadyExists(this.resource.gr, valid.metadata.name);
      // An allocation (IP, port) was taken by a concurrent create: pick again.
      if (attempt >= MAX_CONFLICT_RETRIES) {
        throw conflict(this.resource.gr, valid.metadata.name, 'a resource it allocates kept being taken concurrently; please retry');
      }
    }
  }

  /**
   * Read-modify-write with retries on conflict: `mutate` gets the current
   * object and returns the next one (or throws). With `expectedRv` (a
   * resourceVersion the client sent) the write fails with 409 instead of
   * retrying when the object moved on.
   */
  async guaranteedUpdate(
    ns: string | undefined,
    name: string,
    mutate: (current: Obj) => Obj | Promise<Obj>,
    opts: WriteOptions & { subresource?: Subresource; expectedRv?: string } = {},
  ): Promise<Obj> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(ns, name);
      if (opts.expectedRv && opts.expectedRv !== current.metadata.resourceVersion) throw conflict(this.resource.gr, name);
      // `mutate` may throw a conflict of its own (a precondition inside a patch): that is final.
      const next = await mutate(structuredClone(current));
      try {
        return await this.writeUpdate(current, next, opts);
      } catch (err) {
        const retry = err instanceof StatusError && err.reason === 'Conflict' && !opts.expectedRv && attempt < MAX_CONFLICT_RETRIES;
        if (!retry) throw err;
      }
    }
  }

  /** PUT: the body replaces the object; a resourceVersion in it must match. */
  async update(ns: string | undefined, name: string, input: Obj, opts: WriteOptions & { subresource?: Subresource } = {}): Promise<Obj> {
    const expectedRv = typeof input.metadata?.resourceVersion === 'string' && input.metadata.resourceVersion ? input.metadata.resourceVersion : undefined;
    return this.guaranteedUpdate(ns, name, () => structuredClone(input), { ...opts, expectedRv });
  }

  private async writeUpdate(current: Obj, input: Obj, opts: WriteOptions & { subresource?: Subresource }): Promise<Obj> {
    const name = current.metadata.name;
    let next: Obj;
    if (opts.subresource === 'internal') {
      // The server's own lifecycle writes (namespace termination): taken as they are.
      next = input;
    } else if (opts.subresource === 'status') {
      // Only status changes through /status; everything else stays as stored.
      next = { ...structuredClone(current), status: input.status };
    } else {
      next = input;
      next.metadata = { ...(next.metadata ?? {}) };
      const meta = next.metadata;
      if (meta.uid && meta.uid !== current.metadata.uid) {
        throw conflict(this.resource.gr, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (meta.name && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
      meta.name = name;
      if (this.resource.namespaced) meta.namespace = current.metadata.namespace;
      meta.uid = current.metadata.uid;
      meta.creationTimestamp = current.metadata.creationTimestamp;
      meta.deletionTimestamp = current.metadata.deletionTimestamp;
      meta.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
      if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
      if (meta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
      if (this.resource.hasStatus) next.status = current.status;
      if (next.status === undefined) delete next.status;
      // Defaults first, as kube decodes them in, so a body that leaves out
      // defaulted fields neither changes the spec nor bumps the generation.
      next = this.strategy.validate(next, current);
      this.strategy.prepareForUpdate?.(next, current);
      if (this.resource.tracksGeneration) {
        next.metadata.generation = (current.metadata.generation ?? 1) + (deepEqual(specOf(next), specOf(current)) ? 0 : 1);
      }
    }
    const valid = opts.subresource === 'status' || opts.subresource === 'internal' ? this.strategy.validate(next, current) : next;
    valid.metadata.resourceVersion = current.metadata.resourceVersion;
    // Removing the last finalizer of an object being deleted deletes it.
    const meta = valid.metadata;
    if (meta.deletionTimestamp && this.finalized(valid) && !(meta.deletionGracePeriodSeconds > 0)) {
      if (opts.dryRun) return valid;
      await this.deleteNow(valid, current);
      return valid;
    }
    if (deepEqual(valid, current)) return current; // a no-op update writes nothing
    const side = (await this.strategy.beforeUpdate?.(valid, current, !!opts.dryRun)) ?? { compares: [], ops: [] };
    if (opts.dryRun) return valid;
    const key = this.key(current.metadata.namespace, name);
    const rev = Number(current.metadata.resourceVersion);
    const resp = await this.store.txn({
      compare: [{ key, target: 'mod', result: '=', value: rev }, ...side.compares],
      success: [{ put: { key, value: this.codec.encode(this.resource, valid) } }, ...side.ops],
    });
    if (!resp.succeeded) throw conflict(this.resource.gr, name);
    valid.metadata.resourceVersion = String(resp.header.revision);
    return valid;
  }

  private finalized(obj: Obj): boolean {
    return !(obj.metadata.finalizers?.length > 0) && (this.strategy.pendingFinalizers?.(obj) ?? 0) === 0;
  }

  /**
   * DELETE. Returns the object and whether it is gone: with finalizers, or
   * graceful deletion, it stays with a deletionTimestamp until they finish.
   */
  async delete(ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<{ obj: Obj; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(ns, name);
      const pre = opts.preconditions ?? {};
      if (pre.uid && pre.uid !== current.metadata.uid) {
        throw conflict(this.resource.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(this.resource.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      const next = structuredClone(current);
      const meta = next.metadata;
      const finalizers: string[] = [...(meta.finalizers ?? [])];
      const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
      const add = policy === 'Orphan' ? 'orphan' : policy === 'Foreground' ? 'foregroundDeletion' : undefined;
      const drop = policy === 'Orphan' ? 'foregroundDeletion' : policy === 'Foreground' ? 'orphan' : undefined;
      let changed = false;
      if (add && !finalizers.includes(add)) {
        finalizers.push(add);
        changed = true;
      }
      if (drop && finalizers.includes(drop)) {
        finalizers.splice(finalizers.indexOf(drop), 1);
        changed = true;
      }
      const grace = this.strategy.gracePeriod?.(current, opts.gracePeriodSeconds) ?? 0;
      try {
        const others = this.strategy.pendingFinalizers?.(current) ?? 0;
        if (finalizers.length === 0 && others === 0 && (grace === 0 || (meta.deletionTimestamp && opts.gracePeriodSeconds === 0))) {
          if (opts.dryRun) return { obj: current, deleted: true };
          await this.deleteNow(current, current);
          return { obj: current, deleted: true };
        }
        if (!meta.deletionTimestamp) {
          meta.deletionTimestamp = timestamp(this.clock.now() + grace * 1000);
          meta.deletionGracePeriodSeconds = grace;
          if (this.resource.tracksGeneration) meta.generation = (meta.generation ?? 1) + 1;
          changed = true;
        } else if (grace < (meta.deletionGracePeriodSeconds ?? 0)) {
          // A shorter grace period may replace a longer one, as in kube.
          meta.deletionTimestamp = timestamp(this.clock.now() + grace * 1000);
          meta.deletionGracePeriodSeconds = grace;
          changed = true;
        }
        meta.finalizers = finalizers;
        if (finalizers.length === 0) delete meta.finalizers;
        if (!changed || opts.dryRun) return { obj: opts.dryRun ? next : current, deleted: false };
        const key = this.key(ns, name);
        const resp = await this.store.txn({
          compare: [{ key, target: 'mod', result: '=', value: Number(current.metadata.resourceVersion) }],
          success: [{ put: { key, value: this.codec.encode(this.resource, next) } }],
        });
        if (!resp.succeeded) throw conflict(this.resource.gr, name);
        meta.resourceVersion = String(resp.header.revision);
        return { obj: next, deleted: false };
      } catch (err) {
        if (err instanceof StatusError && err.reason === 'Conflict' && !pre.resourceVersion && attempt < MAX_CONFLICT_RETRIES) continue;
        throw err;
      }
    }
  }

  /** Remove the key (if unchanged since `current`) with the strategy's side deletes. */
  private async deleteNow(obj: Obj, current: Obj): Promise<void> {
    const key = this.key(current.metadata.namespace, current.metadata.name);
    const resp = await this.store.txn({
      compare: [{ key, target: 'mod', result: '=', value: Number(current.metadata.resourceVersion) }],
      success: [{ deleteRange: { key } }, ...(this.strategy.onDelete?.(obj) ?? [])],
    });
    if (!resp.succeeded) throw conflict(this.resource.gr, current.metadata.name);
    obj.metadata.resourceVersion = String(resp.header.revision);
  }
}

function checkGenerateName(r: ResourceInfo, prefix: string): void {
  if (prefix.length > 253 || !/^[a-z0-9]([-a-z0-9.]*)?$/.test(prefix)) {
    throw invalid(r.group, r.kind, prefix, [
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.generateName',
        message: `Invalid value: "${prefix.slice(0, 80)}": a lowercase RFC 1123 subdomain prefix must consist of lower case alphanumeric characters, '-' or '.', start with an alphanumeric character, and be at most 253 characters`,
      },
    ]);
  }
}

function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_CHARS[Math.floor(Math.random() * GENERATE_NAME_CHARS.length)];
  return base.slice(0, 63 - 5) + suffix;
}

export function parseRv(rv: string): number {
  const n = Number(rv);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`invalid resource version "${rv}"`);
  return n;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'gitplane/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v !== 'gitplane/v1' || !Number.isSafeInteger(t.rv) || (t.rv as number) <= 0 || typeof t.start !== 'string') throw new Error('bad');
    return { rv: t.rv as number, start: t.start as string };
  } catch {
    throw badRequest('continue key is not valid: the token is malformed');
  }
}

/** Store errors as the API server reports them. */
export function mapStoreError(err: unknown, continuing = false): unknown {
  if (err instanceof ErrCompacted) {
    return expired(
      continuing
        ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
        : `too old resource version: ${err.requestedRevision} (${err.compactRevision})`,
    );
  }
  if (err instanceof ErrFutureRev) {
    const e = timeout(`Too large resource version: ${err.requestedRevision}, current: ${err.currentRevision}`);
    e.status.details = { retryAfterSeconds: 1 };
    return e;
  }
  return err;
}
