// createClient: the one way components reach the cluster. It hands out typed
// clients per kind (resolved through the schemas' KindInfo), sugar for the
// built-in kinds, and a raw escape hatch for any other path.

import type {
  Application,
  ConfigMap,
  CronJob,
  DaemonSet,
  Deployment,
  Endpoints,
  Event,
  Job,
  Lease,
  Namespace,
  Node,
  ReplicaSet,
  Secret,
  Service,
} from '../api/generated/index.js';
import { kindInfo } from '../api/schemas.js';
import { errorFromResponse } from './errors.js';
import { decodeJson, Requester } from './requester.js';
import { PodClient, ResourceClient, type ClientDefaults, type KubeObject, type ObjectLike, type ResourceInfo } from './resource-client.js';
import type { Query, StreamResponse, Transport } from './transport/types.js';

export interface ClientOptions {
  /** Sent as user-agent (default "gitplane"). */
  userAgent?: string;
  /** The fieldManager for writes that do not name one (e.g. "replicaset-controller"). */
  fieldManager?: string;
  /** Headers added to every request. */
  headers?: Record<string, string>;
}

export interface RawRequestOptions {
  query?: Query;
  /** Sent as is when a string or Buffer, otherwise as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class Client {
  private readonly requester: Requester;
  private readonly defaults: ClientDefaults;
  private readonly cache = new Map<string, ResourceClient<ObjectLike>>();

  constructor(
    readonly transport: Transport,
    options: ClientOptions = {},
  ) {
    this.requester = new Requester(transport, {
      accept: 'application/json',
      'user-agent': options.userAgent ?? 'gitplane',
      ...options.headers,
    });
    this.defaults = options.fieldManager ? { fieldManager: options.fieldManager } : {};
  }

  /**
   * A client for a kind gitplane serves (see knownKinds()), across all namespaces until
   * scoped with `.namespace(ns)`. Pass `info` for a kind the schemas do not list.
   * Throws when the kind is unknown and no info is given.
   */
  resource<T extends ObjectLike = KubeObject>(apiVersion: string, kind: string, info?: Omit<ResourceInfo, 'apiVersion' | 'kind' | 'group' | 'version'>): ResourceClient<T> {
    const cacheKey = `${apiVersion}/${kind}`;
    if (!info) {
      const cached = this.cache.get(cacheKey);
      if (cached) return cached as unknown as ResourceClient<T>;
    }
    const known = kindInfo(apiVersion, kind);
    const slash = apiVersion.indexOf('/');
    const resolved: ResourceInfo | undefined = info
      ? { apiVersion, kind, group: slash < 0 ? '' : apiVersion.slice(0, slash), version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1), ...info }
      : known;
    if (!resolved) throw new Error(`the server does not serve kind "${kind}" in version "${apiVersion}"`);
    const client = apiVersion === 'v1' && kind === 'Pod' ? new PodClient(this.requester, resolved, undefined, this.defaults) : new ResourceClient<T>(this.requester, resolved, undefined, this.defaults);
    if (!info) this.cache.set(cacheKey, client as unknown as ResourceClient<ObjectLike>);
    return client as unknown as ResourceClient<T>;
  }

  /** A client for the kind of an object (manifests, owner references). */
  resourceFor<T extends ObjectLike = KubeObject>(object: { apiVersion?: string; kind?: string }): ResourceClient<T> {
    if (!object.apiVersion || !object.kind) throw new Error('the object has no apiVersion or kind');
    return this.resource<T>(object.apiVersion, object.kind);
  }

  get pods(): PodClient {
    return this.resource('v1', 'Pod') as unknown as PodClient;
  }
  get namespaces(): ResourceClient<Namespace> {
    return this.resource<Namespace>('v1', 'Namespace');
  }
  get nodes(): ResourceClient<Node> {
    return this.resource<Node>('v1', 'Node');
  }
  get services(): ResourceClient<Service> {
    return this.resource<Service>('v1', 'Service');
  }
  get endpoints(): ResourceClient<Endpoints> {
    return this.resource<Endpoints>('v1', 'Endpoints');
  }
  get configMaps(): ResourceClient<ConfigMap> {
    return this.resource<ConfigMap>('v1', 'ConfigMap');
  }
  get secrets(): ResourceClient<Secret> {
    return this.resource<Secret>('v1', 'Secret');
  }
  get events(): ResourceClient<Event> {
    return this.resource<Event>('v1', 'Event');
  }
  get deployments(): ResourceClient<Deployment> {
    return this.resource<Deployment>('apps/v1', 'Deployment');
  }
  get replicaSets(): ResourceClient<ReplicaSet> {
    return this.resource<ReplicaSet>('apps/v1', 'ReplicaSet');
  }
  get daemonSets(): ResourceClient<DaemonSet> {
    return this.resource<DaemonSet>('apps/v1', 'DaemonSet');
  }
  get jobs(): ResourceClient<Job> {
    return this.resource<Job>('batch/v1', 'Job');
  }
  get cronJobs(): ResourceClient<CronJob> {
    return this.resource<CronJob>('batch/v1', 'CronJob');
  }
  get leases(): ResourceClient<Lease> {
    return this.resource<Lease>('coordination.k8s.io/v1', 'Lease');
  }
  get applications(): ResourceClient<Application> {
    return this.resource<Application>('gitplane.io/v1alpha1', 'Application');
  }

  /**
   * Any request (discovery, /healthz, /version, ...): the body decoded as JSON when the
   * response says JSON, else as text. Non-2xx → StatusError.
   */
  async raw<R = unknown>(method: string, path: string, options: RawRequestOptions = {}): Promise<R> {
    const { body, headers } = encodeRawBody(options);
    const res = await this.requester.send({ method, path, ...(options.query ? { query: options.query } : {}), headers, ...(body !== undefined ? { body } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, res.body);
    const type = res.headers['content-type'] ?? '';
    if (type.includes('json')) return decodeJson<R>(res.body);
    return res.body.toString('utf8') as R;
  }

  /** Any streamed request; non-2xx → StatusError. */
  rawStream(method: string, path: string, options: RawRequestOptions = {}): Promise<StreamResponse> {
    const { body, headers } = encodeRawBody(options);
    return this.requester.stream({ method, path, ...(options.query ? { query: options.query } : {}), headers, ...(body !== undefined ? { body } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  }

  /** Release the transport's pooled connections. */
  close(): void {
    this.transport.close();
  }
}

export function createClient(transport: Transport, options: ClientOptions = {}): Client {
  return new Client(transport, options);
}

function encodeRawBody(options: RawRequestOptions): { body: string | Buffer | undefined; headers: Record<string, string> } {
  const headers = { ...options.headers };
  if (options.body === undefined) return { body: undefined, headers };
  if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) return { body: options.body, headers };
  const lower = Object.keys(headers).map((h) => h.toLowerCase());
  if (!lower.includes('content-type')) headers['content-type'] = 'application/json';
  return { body: JSON.stringify(options.body), headers };
}
