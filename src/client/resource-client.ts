// A typed client for one kind: the Kubernetes REST verbs on its collection
// and objects, with the standard query parameters, plus the subresources
// (status, scale, and for pods binding and log).

import type { ListMeta, ObjectMeta, ObjectReference, Pod } from '../api/generated/index.js';
import type { KindInfo } from '../api/schemas.js';
import type { KubeObject } from '../api/validation.js';
import { StatusError, type Status } from '../api/status.js';
import type { Requester } from './requester.js';
import { formatSelector, type SelectorInput } from './selector.js';
import { splitLines } from './transport/lines.js';
import type { Query, TransportRequest } from './transport/types.js';
import { pumpWatch, watchStream, type WatchEvent, type Watcher, type WatchStream } from './watch.js';

/** What every object the client handles has. */
export interface ObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** Any object: what `client.resource(apiVersion, kind)` returns without a type argument. */
export type { KubeObject } from '../api/validation.js';

/** A list response (PodList, ...). */
export interface ObjectList<T> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

/** Where a kind is served; KindInfo from the schemas carries all of it. */
export type ResourceInfo = Pick<KindInfo, 'apiVersion' | 'group' | 'version' | 'kind' | 'plural' | 'namespaced'> & { listKind?: string };

export interface RequestOptions {
  /** Abort the request (and end a watch or log stream). */
  signal?: AbortSignal;
}

export interface GetOptions extends RequestOptions {
  resourceVersion?: string;
}

export interface ListOptions extends RequestOptions {
  labelSelector?: SelectorInput;
  /** "metadata.name=x,spec.nodeName=n", or a map of field → value (all must equal). */
  fieldSelector?: string | Record<string, string>;
  limit?: number;
  continue?: string;
  /** "" (default): most recent; "0": any; otherwise not older than (or exactly, with resourceVersionMatch). */
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  timeoutSeconds?: number;
}

export interface WatchOptions extends Omit<ListOptions, 'limit' | 'continue' | 'resourceVersionMatch'> {
  allowWatchBookmarks?: boolean;
}

export interface WriteOptions extends RequestOptions {
  /** Validate and default without persisting (`dryRun=All`). */
  dryRun?: boolean;
  /** Defaults to the client's fieldManager. */
  fieldManager?: string;
  /** Strict, Warn or Ignore: how the server treats unknown or duplicate fields. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** For apply patches: take ownership of conflicting fields. */
  force?: boolean;
  /** Patch a subresource instead of the object, e.g. "status". */
  subresource?: string;
}

export interface DeleteOptions extends RequestOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** autoscaling/v1 Scale. */
export interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: ObjectMeta;
  spec?: { replicas?: number };
  status?: { replicas: number; selector?: string };
}

export interface LogOptions extends RequestOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  tailLines?: number;
  limitBytes?: number;
}

/** A followed log: its lines as they are written. */
export interface LogStream extends AsyncIterable<string> {
  stop(): void;
}

export interface ClientDefaults {
  fieldManager?: string;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export class ResourceClient<T extends ObjectLike = KubeObject> {
  constructor(
    protected readonly requester: Requester,
    readonly info: ResourceInfo,
    /** The namespace requests are scoped to; undefined means all namespaces (lists, watches). */
    readonly namespaceName: string | undefined = undefined,
    protected readonly defaults: ClientDefaults = {},
  ) {}

  /** The same client scoped to a namespace. Ignored for cluster-scoped kinds, as kubectl does. */
  namespace(namespace: string): this {
    const Ctor = this.constructor as new (requester: Requester, info: ResourceInfo, namespace: string | undefined, defaults: ClientDefaults) => this;
    return new Ctor(this.requester, this.info, this.info.namespaced ? namespace : undefined, this.defaults);
  }

  /** The collection path: "/api/v1/namespaces/ns/pods", or all namespaces when none is set. */
  collectionPath(namespace = this.namespaceName): string {
    const { group, version, plural, namespaced } = this.info;
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    return namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}` : `${base}/${plural}`;
  }

  /** The path of one object (or its subresource). */
  objectPath(name: string, namespace = this.namespaceName, subresource?: string): string {
    if (!name) throw new StatusError(400, 'BadRequest', 'resource name may not be empty');
    if (this.info.namespaced && !namespace) throw new StatusError(400, 'BadRequest', `a namespace is required for ${this.info.plural}`);
    return `${this.collectionPath(namespace)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
  }

  async get(name: string, options: GetOptions = {}): Promise<T> {
    const object = await this.requester.json<T>({
      method: 'GET',
      path: this.objectPath(name),
      query: { resourceVersion: options.resourceVersion },
      ...signal(options),
    });
    return this.fillType(object);
  }

  /** One list call (one page when `limit` is set; pass `continue` for the next). */
  async list(options: ListOptions = {}): Promise<ObjectList<T>> {
    const list = await this.requester.json<ObjectList<T>>({ method: 'GET', path: this.collectionPath(), query: listQuery(options), ...signal(options) });
    list.metadata ??= {};
    list.items = (list.items ?? []).map((item) => this.fillType(item));
    return list;
  }

  /**
   * Every page of a list, `pageSize` (default 500) at a time, joined. When a continue token
   * expires midway (410), the list starts over unpaged, as client-go's pager does.
   */
  async listAll(options: Omit<ListOptions, 'limit' | 'continue'> & { pageSize?: number } = {}): Promise<ObjectList<T>> {
    const { pageSize = 500, ...rest } = options;
    const items: T[] = [];
    let page = await this.list({ ...rest, ...(pageSize > 0 ? { limit: pageSize } : {}) });
    items.push(...page.items);
    while (page.metadata.continue) {
      try {
        page = await this.list({ ...rest, limit: pageSize, continue: page.metadata.continue });
      } catch (err) {
        if (err instanceof StatusError && err.code === 410) return this.list(rest);
        throw err;
      }
      items.push(...page.items);
    }
    return { ...page, metadata: { resourceVersion: page.metadata.resourceVersion }, items };
  }

  async create(object: T, options: WriteOptions = {}): Promise<T> {
    const created = await this.requester.json<T>({
      method: 'POST',
      path: this.collectionPath(this.namespaceFor(object)),
      query: this.writeQuery(options),
      ...jsonBody(object),
      ...signal(options),
    });
    return this.fillType(created);
  }

  /** PUT the object (optimistic concurrency on metadata.resourceVersion when set). */
  async update(object: T, options: WriteOptions = {}): Promise<T> {
    return this.put(object, undefined, options);
  }

  /** PUT the object's status subresource. */
  async updateStatus(object: T, options: WriteOptions = {}): Promise<T> {
    return this.put(object, 'status', options);
  }

  /**
   * PATCH an object. `patch` is sent as given when a string or Buffer, else as JSON
   * (an apply patch may be the whole object: JSON is YAML).
   */
  async patch(name: string, patch: unknown, type: PatchType = 'merge', options: PatchOptions = {}): Promise<T> {
    const body = typeof patch === 'string' || Buffer.isBuffer(patch) ? patch : JSON.stringify(patch);
    const patched = await this.requester.json<T>({
      method: 'PATCH',
      path: this.objectPath(name, this.namespaceName, options.subresource),
      query: { ...this.writeQuery(options), force: options.force },
      headers: { 'content-type': PATCH_CONTENT_TYPES[type] },
      body,
      ...signal(options),
    });
    return this.fillType(patched);
  }

  /** Server-side apply of a whole (partial) object. */
  async apply(object: T, options: Omit<PatchOptions, 'subresource'> = {}): Promise<T> {
    const name = object.metadata?.name;
    if (!name) throw new StatusError(400, 'BadRequest', 'resource name may not be empty');
    const scoped = this.info.namespaced && !this.namespaceName ? this.namespace(this.namespaceFor(object)!) : this;
    return scoped.patch(name, object, 'apply', options);
  }

  /** DELETE an object: the object (still terminating, or as it was) or a Success Status. */
  async delete(name: string, options: DeleteOptions = {}): Promise<T | Status> {
    const result = await this.requester.json<T | Status>({
      method: 'DELETE',
      path: this.objectPath(name),
      query: { dryRun: options.dryRun ? 'All' : undefined },
      ...deleteBody(options),
      ...signal(options),
    });
    return result;
  }

  /** DELETE the collection (the selected objects in the namespace, or everywhere). */
  async deleteCollection(options: ListOptions & DeleteOptions = {}): Promise<ObjectList<T> | Status> {
    return this.requester.json<ObjectList<T> | Status>({
      method: 'DELETE',
      path: this.collectionPath(),
      query: { ...listQuery(options), dryRun: options.dryRun ? 'All' : undefined },
      ...deleteBody(options),
      ...signal(options),
    });
  }

  /**
   * Start a watch. Resolves when the server accepted it (a too-old resourceVersion may
   * reject with a 410 StatusError here, or arrive later as an ERROR event). Without a
   * handler, iterate the returned stream; with one, events are pushed to it.
   */
  watch(options?: WatchOptions): Promise<WatchStream<T>>;
  watch(options: WatchOptions, handler: (event: WatchEvent<T>) => void | Promise<void>): Promise<Watcher>;
  async watch(options: WatchOptions = {}, handler?: (event: WatchEvent<T>) => void | Promise<void>): Promise<WatchStream<T> | Watcher> {
    const response = await this.requester.stream({
      method: 'GET',
      path: this.collectionPath(),
      query: { ...listQuery(options), watch: true, allowWatchBookmarks: options.allowWatchBookmarks || undefined },
      ...signal(options),
    });
    const stream = watchStream<T>(response, { apiVersion: this.info.apiVersion, kind: this.info.kind });
    return handler ? pumpWatch(stream, handler) : stream;
  }

  async getScale(name: string, options: RequestOptions = {}): Promise<Scale> {
    return this.requester.json<Scale>({ method: 'GET', path: this.objectPath(name, this.namespaceName, 'scale'), ...signal(options) });
  }

  /** PUT the scale subresource; a number sets spec.replicas unconditionally. */
  async updateScale(name: string, scale: Scale | number, options: WriteOptions = {}): Promise<Scale> {
    const body: Scale =
      typeof scale === 'number'
        ? { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, ...(this.namespaceName ? { namespace: this.namespaceName } : {}) }, spec: { replicas: scale } }
        : scale;
    return this.requester.json<Scale>({
      method: 'PUT',
      path: this.objectPath(name, this.namespaceName, 'scale'),
      query: this.writeQuery(options),
      ...jsonBody(body),
      ...signal(options),
    });
  }

  private async put(object: T, subresource: string | undefined, options: WriteOptions): Promise<T> {
    const name = object.metadata?.name;
    if (!name) throw new StatusError(400, 'BadRequest', 'resource name may not be empty');
    const updated = await this.requester.json<T>({
      method: 'PUT',
      path: this.objectPath(name, this.namespaceFor(object), subresource),
      query: this.writeQuery(options),
      ...jsonBody(object),
      ...signal(options),
    });
    return this.fillType(updated);
  }

  /** The namespace for a write: the client's, else the object's. */
  protected namespaceFor(object: ObjectLike): string | undefined {
    if (!this.info.namespaced) return undefined;
    const namespace = this.namespaceName ?? object.metadata?.namespace;
    if (!namespace) throw new StatusError(400, 'BadRequest', `a namespace is required for ${this.info.plural}`);
    return namespace;
  }

  protected writeQuery(options: WriteOptions): Query {
    return {
      dryRun: options.dryRun ? 'All' : undefined,
      fieldManager: options.fieldManager ?? this.defaults.fieldManager,
      fieldValidation: options.fieldValidation,
    };
  }

  /** List items and some responses omit apiVersion and kind; put them back. */
  protected fillType<O>(object: O): O {
    if (typeof object === 'object' && object !== null && !Array.isArray(object)) {
      const o = object as Record<string, unknown>;
      if (o.kind === 'Status') return object;
      o.apiVersion ??= this.info.apiVersion;
      o.kind ??= this.info.kind;
    }
    return object;
  }
}

/** Pods, with their binding and log subresources. */
export class PodClient extends ResourceClient<Pod> {
  /** Bind a pod to a node (what the scheduler does): POST pods/{name}/binding. */
  async bind(name: string, target: string | ObjectReference, options: WriteOptions & { uid?: string } = {}): Promise<void> {
    const namespace = this.namespaceName;
    const ref: ObjectReference = typeof target === 'string' ? { apiVersion: 'v1', kind: 'Node', name: target } : target;
    await this.requester.json<unknown>({
      method: 'POST',
      path: this.objectPath(name, namespace, 'binding'),
      query: this.writeQuery(options),
      ...jsonBody({
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, ...(namespace ? { namespace } : {}), ...(options.uid ? { uid: options.uid } : {}) },
        target: ref,
      }),
      ...signal(options),
    });
  }

  /** A container's log: the text so far, or with `follow: true` a stream of lines. */
  logs(name: string, options: LogOptions & { follow: true }): Promise<LogStream>;
  logs(name: string, options?: LogOptions & { follow?: false }): Promise<string>;
  logs(name: string, options?: LogOptions): Promise<string | LogStream>;
  async logs(name: string, options: LogOptions = {}): Promise<string | LogStream> {
    const req: TransportRequest = {
      method: 'GET',
      path: this.objectPath(name, this.namespaceName, 'log'),
      query: {
        container: options.container,
        follow: options.follow || undefined,
        previous: options.previous || undefined,
        sinceSeconds: options.sinceSeconds,
        sinceTime: options.sinceTime,
        timestamps: options.timestamps || undefined,
        tailLines: options.tailLines,
        limitBytes: options.limitBytes,
      },
      headers: { accept: 'text/plain, */*' },
      ...signal(options),
    };
    if (!options.follow) return this.requester.text(req);
    const response = await this.requester.stream(req);
    return {
      stop: () => response.cancel(),
      async *[Symbol.asyncIterator]() {
        try {
          yield* splitLines(response.chunks);
        } finally {
          response.cancel();
        }
      },
    };
  }
}

function listQuery(options: ListOptions & { allowWatchBookmarks?: boolean }): Query {
  return {
    labelSelector: formatSelector(options.labelSelector) || undefined,
    fieldSelector: formatFieldSelector(options.fieldSelector) || undefined,
    limit: options.limit,
    continue: options.continue,
    resourceVersion: options.resourceVersion,
    resourceVersionMatch: options.resourceVersionMatch,
    timeoutSeconds: options.timeoutSeconds,
  };
}

export function formatFieldSelector(selector: string | Record<string, string> | undefined): string {
  if (selector === undefined || typeof selector === 'string') return selector ?? '';
  return Object.entries(selector)
    .map(([field, value]) => `${field}=${value}`)
    .join(',');
}

function jsonBody(body: unknown): Pick<TransportRequest, 'body' | 'headers'> {
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

function deleteBody(options: DeleteOptions): Pick<TransportRequest, 'body' | 'headers'> | Record<string, never> {
  const { propagationPolicy, gracePeriodSeconds, preconditions, dryRun } = options;
  if (propagationPolicy === undefined && gracePeriodSeconds === undefined && preconditions === undefined && !dryRun) return {};
  return jsonBody({
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    ...(propagationPolicy !== undefined ? { propagationPolicy } : {}),
    ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
    ...(preconditions !== undefined ? { preconditions } : {}),
    ...(dryRun ? { dryRun: ['All'] } : {}),
  });
}

function signal(options: RequestOptions): Pick<TransportRequest, 'signal'> {
  return options.signal ? { signal: options.signal } : {};
}
