// The API server: builds the registry over a Store and answers Kubernetes
// REST requests through one ApiHandler, which the HTTP(S) listener and the
// client's in-process transport both call. Every failure leaves as a
// Status; anything unexpected is logged and becomes a 500, never a crash.

import type { ApiHandler, ApiRequest, ApiResponse } from '../api/handler.js';
import { methodNotAllowed, unauthorized } from '../api/status.js';
import type { Store } from '../storage/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { TokenAuthenticator } from './auth.js';
import type { ServerContext } from './context.js';
import {
  aggregatedDiscovery,
  aggregatedDiscoveryContentType,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  negotiateAggregatedDiscovery,
  versionInfo,
} from './discovery.js';
import { SecretBox } from './encryption.js';
import * as crud from './handlers/crud.js';
import { sendBytes, sendError, sendJson } from './handlers/respond.js';
import * as sub from './handlers/subresources.js';
import { watchObjects } from './handlers/watch.js';
import { serve, type Listening, type ListenOptions } from './http.js';
import { Allocator, type AllocatorOptions } from './ipalloc.js';
import { NamespaceLifecycle } from './namespaces.js';
import { OPENAPI_V2_CONTENT_TYPE, openapiV2Protobuf } from './openapi.js';
import { Codec } from './registry/codec.js';
import { RestStorage } from './registry/rest.js';
import { ResourceTable, type ResourceInfo } from './registry/resources.js';
import { strategyFor } from './registry/strategies.js';
import { boolParam } from './negotiation.js';
import { notFoundPath, route } from './router.js';
import { WatchCache } from './watch-cache.js';
import { randomBytes } from 'node:crypto';

export interface ApiServerOptions extends AllocatorOptions {
  store: Store;
  clock?: Clock;
  /** Seals Secrets at rest; a throwaway key is used when absent (tests). */
  secretBox?: SecretBox;
  /** Bearer-token authentication; absent means no authentication (local plain-HTTP mode). */
  authenticator?: TokenAuthenticator;
  /** Interval between BOOKMARK events on watches that allow them (default 60 s). */
  bookmarkIntervalMs?: number;
  log?: (message: string, err?: unknown) => void;
}

/**
 * A path served beside the Kubernetes API, e.g. the GitOps push webhook at /api/webhook or
 * /metrics. Public routes skip bearer-token authentication (the webhook checks its own HMAC).
 */
export interface ExtraRoute {
  path: string;
  public?: boolean;
  handler: ApiHandler;
}

export class ApiServer {
  readonly handler: ApiHandler;
  readonly table = new ResourceTable();
  private readonly ctx: ServerContext;
  private readonly namespaces: NamespaceLifecycle;
  private readonly storages = new Map<string, RestStorage>();
  private readonly caches = new Map<string, WatchCache>();
  private readonly listeners: Listening[] = [];
  private readonly authenticator?: TokenAuthenticator;
  private readonly routes = new Map<string, ExtraRoute>();

  private constructor(opts: ApiServerOptions) {
    const clock = opts.clock ?? systemClock;
    const codec = new Codec(opts.secretBox ?? new SecretBox({ name: 'ephemeral', secret: randomBytes(32) }));
    const alloc = new Allocator(opts.store, opts);
    for (const r of this.table.all) {
      this.storages.set(r.kind, new RestStorage(r, opts.store, codec, strategyFor(r, alloc), clock));
    }
    const log =
      opts.log ??
      ((message: string, err?: unknown) => {
        console.error(`apiserver: ${message}`, err ?? '');
      });
    this.authenticator = opts.authenticator;
    const ctx: ServerContext = {
      table: this.table,
      store: opts.store,
      codec,
      clock,
      storage: (r: ResourceInfo) => this.storages.get(r.kind)!,
      storageFor: (kind: string) => this.storages.get(kind)!,
      checkNamespace: (ns: string) => this.namespaces.check(ns),
      namespaceDeleted: (name: string) => this.namespaces.enqueue(name),
      watchCache: (r: ResourceInfo) => this.caches.get(r.kind),
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      log,
    };
    this.ctx = ctx;
    for (const r of this.table.all) {
      this.caches.set(r.kind, new WatchCache(r, opts.store, codec, ctx.bookmarkIntervalMs, log));
    }
    this.namespaces = new NamespaceLifecycle(ctx);
    this.handler = (req, res) => this.handle(req, res);
  }

  static async create(opts: ApiServerOptions): Promise<ApiServer> {
    const server = new ApiServer(opts);
    // Caches start first, so every later list revision is inside them.
    await Promise.all([...server.caches.values()].map((c) => c.start()));
    await server.namespaces.ensureSystemNamespaces();
    return server;
  }

  /** Serve HTTP(S) on loopback (port 0 picks a free port). */
  async listen(opts: ListenOptions = {}): Promise<Listening> {
    const l = await serve(this.handler, opts, this.ctx.log);
    this.listeners.push(l);
    return l;
  }

  /** Serve `route.path` (exactly, any method) with another handler; replaces an earlier route for the path. */
  addRoute(route: ExtraRoute): void {
    this.routes.set(route.path, route);
  }

  removeRoute(path: string): void {
    this.routes.delete(path);
  }

  async close(): Promise<void> {
    this.namespaces.stop();
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
    await Promise.all([...this.caches.values()].map((c) => c.close()));
  }

  private async handle(req: ApiRequest, res: ApiResponse): Promise<void> {
    try {
      await this.dispatch(req, res);
    } catch (err) {
      if (req.signal.aborted) return;
      sendError(res, err, this.ctx.log);
    }
  }

  private async dispatch(req: ApiRequest, res: ApiResponse): Promise<void> {
    const q = req.url.indexOf('?');
    const path = q === -1 ? req.url : req.url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : req.url.slice(q + 1));
    const extra = this.routes.get(path);
    const public_ = path === '/version' || path === '/healthz' || path === '/livez' || path === '/readyz' || extra?.public === true;
    if (this.authenticator && !public_ && !this.authenticator.authenticate(req.headers.authorization)) throw unauthorized();
    if (extra) return extra.handler(req, res);
    const rt = route(path, this.table);
    const method = req.method.toUpperCase();
    if (rt.type !== 'resource' && method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
    switch (rt.type) {
      case 'version':
        return sendJson(res, 200, versionInfo());
      case 'health':
        return sendBytes(res, 200, 'ok', 'text/plain; charset=utf-8');
      case 'openapi':
        if (rt.version === 'v3') throw notFoundPath();
        return sendBytes(res, 200, openapiV2Protobuf(), OPENAPI_V2_CONTENT_TYPE);
      case 'apiVersions':
      case 'apiGroupList': {
        const aggregated = negotiateAggregatedDiscovery(req.headers.accept);
        if (aggregated) {
          return sendJson(res, 200, aggregatedDiscovery(rt.type === 'apiVersions' ? 'core' : 'apis', { version: aggregated }), aggregatedDiscoveryContentType(aggregated));
        }
        return sendJson(res, 200, rt.type === 'apiVersions' ? apiVersions() : apiGroupList());
      }
      case 'apiGroup': {
        const doc = apiGroup(rt.group);
        if (!doc) throw notFoundPath();
        return sendJson(res, 200, doc);
      }
      case 'apiResourceList': {
        const doc = apiResourceList(rt.group ? `${rt.group}/${rt.version}` : rt.version);
        if (!doc) throw notFoundPath();
        return sendJson(res, 200, doc);
      }
      case 'resource':
        return this.resource(rt, query, method, req, res);
    }
  }

  private async resource(
    rt: { resource: ResourceInfo; namespace?: string; name?: string; subresource?: string },
    query: URLSearchParams,
    method: string,
    req: ApiRequest,
    res: ApiResponse,
  ): Promise<void> {
    const r = rt.resource;
    const rr: crud.ResourceRequest = { resource: r, namespace: rt.namespace, name: rt.name, query };
    const ctx = this.ctx;
    if (r.namespaced && rt.name !== undefined && !rt.namespace) throw notFoundPath();
    if (!rt.name) {
      switch (method) {
        case 'GET':
        case 'HEAD':
          return boolParam(query, 'watch')
            ? watchObjects(ctx, rr, req, res)
            : crud.listObjects(ctx, rr, req, res);
        case 'POST':
          return crud.createObject(ctx, rr, req, res);
        case 'DELETE':
          return crud.deleteCollection(ctx, rr, req, res);
        default:
          throw methodNotAllowed();
      }
    }
    const subresource = rt.subresource ?? '';
    switch (subresource) {
      case '':
        switch (method) {
          case 'GET':
          case 'HEAD':
            return crud.getObject(ctx, rr, req, res);
          case 'PUT':
            return crud.updateObject(ctx, rr, req, res);
          case 'PATCH':
            return crud.patchObject(ctx, rr, req, res);
          case 'DELETE':
            return crud.deleteObject(ctx, rr, req, res);
          default:
            throw methodNotAllowed();
        }
      case 'status':
        if (!r.hasStatus) throw notFoundPath();
        if (method === 'GET') return crud.getObject(ctx, rr, req, res);
        if (method === 'PUT') return crud.updateObject(ctx, rr, req, res, 'status');
        if (method === 'PATCH') return crud.patchObject(ctx, rr, req, res, 'status');
        throw methodNotAllowed();
      case 'scale':
        if (!r.hasScale) throw notFoundPath();
        return sub.scale(ctx, rr, req, res);
      case 'binding':
        if (r.kind !== 'Pod' || method !== 'POST') throw notFoundPath();
        return sub.bind(ctx, rr, req, res);
      case 'log':
        if (r.kind !== 'Pod' || method !== 'GET') throw notFoundPath();
        return sub.logs(ctx, rr, req, res);
      case 'exec':
      case 'attach':
      case 'portforward':
        if (r.kind !== 'Pod') throw notFoundPath();
        return sub.refuseStream(subresource, rr);
      case 'finalize':
        if (r.kind !== 'Namespace' || method !== 'PUT') throw notFoundPath();
        return sub.finalizeNamespace(ctx, rr, req, res);
      default:
        throw notFoundPath();
    }
  }
}
