// The verbs on a resource: get, list, create, update, patch, delete and
// deletecollection, with dryRun, selectors, paging and Table output.

import type { ApiRequest, ApiResponse } from '../../api/handler.js';
import { fieldsOf, parseFieldSelector, requirementFor, validateFieldSelector } from '../../api/fields.js';
import { parseLabelSelector } from '../../api/labels.js';
import { badRequest, methodNotAllowed, success } from '../../api/status.js';
import type { ServerContext } from '../context.js';
import { decodeBody, decodePatch, patchType, wantsTable } from '../negotiation.js';
import type { Obj } from '../registry/codec.js';
import { timestamp, type DeleteOptions, type Subresource } from '../registry/rest.js';
import type { ResourceInfo } from '../registry/resources.js';
import { tableFor } from '../table/index.js';
import { applyPatch } from './patch.js';
import { sendJson } from './respond.js';

export interface ResourceRequest {
  resource: ResourceInfo;
  namespace?: string;
  name?: string;
  query: URLSearchParams;
}

export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dryRun value: "${v}"; the only valid value is "All"`);
  return values.length > 0;
}

/** Compile labelSelector and fieldSelector into one filter, and pin a name when the field selector does. */
export function selectorFilter(r: ResourceInfo, query: URLSearchParams): { filter?: (o: Obj) => boolean; name?: string } {
  const ls = query.get('labelSelector');
  const fs = query.get('fieldSelector');
  const labels = ls ? parseLabelSelector(ls) : undefined;
  const fields = fs ? parseFieldSelector(fs) : undefined;
  if (fields) validateFieldSelector(fields, r.kind);
  const name = fields ? requirementFor(fields, 'metadata.name') : undefined;
  if (!labels && !fields) return {};
  return {
    name,
    filter: (o) => (!labels || labels.matches(o.metadata?.labels)) && (!fields || fields.matches(fieldsOf(o))),
  };
}

function intParam(query: URLSearchParams, key: string): number | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid ${key} "${v}": must be a non-negative integer`);
  return n;
}

function requireNamespace(ctx: ServerContext, rr: ResourceRequest): void {
  if (rr.resource.namespaced && !rr.namespace) throw methodNotAllowed();
  void ctx;
}

/** Respond with one object, or a one-row Table when the client asked for one. */
function sendObject(ctx: ServerContext, req: ApiRequest, res: ApiResponse, code: number, r: ResourceInfo, obj: Obj): void {
  if (wantsTable(req.headers.accept)) {
    sendJson(res, code, tableFor(r.kind, [obj], { now: ctx.clock.now(), resourceVersion: obj.metadata?.resourceVersion }));
  } else sendJson(res, code, obj);
}

export async function getObject(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const obj = await ctx.storage(rr.resource).get(rr.namespace, rr.name!);
  sendObject(ctx, req, res, 200, rr.resource, obj);
}

export async function listObjects(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const { filter, name } = selectorFilter(rr.resource, rr.query);
  const narrowed = name !== undefined && (rr.namespace !== undefined || !rr.resource.namespaced);
  const result = await ctx.storage(rr.resource).list(rr.namespace, {
    filter,
    name: narrowed ? name : undefined,
    limit: intParam(rr.query, 'limit'),
    continueToken: rr.query.get('continue') ?? undefined,
    resourceVersion: rr.query.get('resourceVersion') ?? undefined,
    resourceVersionMatch: rr.query.get('resourceVersionMatch') ?? undefined,
  });
  const r = rr.resource;
  if (wantsTable(req.headers.accept)) {
    sendJson(
      res,
      200,
      tableFor(r.kind, result.items, {
        now: ctx.clock.now(),
        resourceVersion: result.resourceVersion,
        continue: result.continueToken,
      }),
    );
    return;
  }
  sendJson(res, 200, {
    kind: r.listKind,
    apiVersion: r.apiVersion,
    metadata: { resourceVersion: result.resourceVersion, ...(result.continueToken ? { continue: result.continueToken } : {}) },
    items: result.items.map((o) => ({ ...o, apiVersion: r.apiVersion, kind: r.kind })),
  });
}

/** Check the body's apiVersion/kind/namespace against the URL and fill them in. */
export function checkBody(rr: ResourceRequest, body: Obj): Obj {
  const r = rr.resource;
  if (body.apiVersion !== undefined && body.apiVersion !== r.apiVersion) {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${r.apiVersion})`);
  }
  if (body.kind !== undefined && body.kind !== r.kind) {
    throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${r.kind})`);
  }
  if (body.metadata !== undefined && (typeof body.metadata !== 'object' || body.metadata === null || Array.isArray(body.metadata))) {
    throw badRequest('metadata must be an object');
  }
  const ns = body.metadata?.namespace;
  if (r.namespaced && ns && rr.namespace && ns !== rr.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  return { ...body, apiVersion: r.apiVersion, kind: r.kind };
}

export async function createObject(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  requireNamespace(ctx, rr);
  const body = checkBody(rr, decodeBody(req.body, req.headers['content-type']));
  if (rr.resource.namespaced) await ctx.checkNamespace(rr.namespace!);
  const created = await ctx.storage(rr.resource).create(rr.namespace, body, { dryRun: isDryRun(rr.query) });
  sendObject(ctx, req, res, 201, rr.resource, created);
}

export async function updateObject(
  ctx: ServerContext,
  rr: ResourceRequest,
  req: ApiRequest,
  res: ApiResponse,
  subresource: Subresource = '',
): Promise<void> {
  const body = checkBody(rr, decodeBody(req.body, req.headers['content-type']));
  const updated = await ctx.storage(rr.resource).update(rr.namespace, rr.name!, body, { dryRun: isDryRun(rr.query), subresource });
  sendObject(ctx, req, res, 200, rr.resource, updated);
}

export async function patchObject(
  ctx: ServerContext,
  rr: ResourceRequest,
  req: ApiRequest,
  res: ApiResponse,
  subresource: Subresource = '',
): Promise<void> {
  const type = patchType(req.headers['content-type']);
  const patch = decodePatch(req.body, type);
  const storage = ctx.storage(rr.resource);
  const dryRun = isDryRun(rr.query);
  const manager = rr.query.get('fieldManager') ?? undefined;
  const force = rr.query.get('force') === 'true';
  if (type === 'apply') {
    const existing = await storage.tryGet(rr.namespace, rr.name!);
    if (!existing) {
      // Server-side apply of a new object creates it.
      const body = checkBody(rr, applyPatch({}, patch, type, rr.resource, { manager, force, now: ctx.clock.now() }));
      if (body.metadata?.name && body.metadata.name !== rr.name) throw badRequest('the name of the object does not match the name on the URL');
      body.metadata = { ...(body.metadata ?? {}), name: rr.name };
      if (rr.resource.namespaced) await ctx.checkNamespace(rr.namespace!);
      const created = await storage.create(rr.namespace, body, { dryRun });
      sendObject(ctx, req, res, 201, rr.resource, created);
      return;
    }
  }
  const updated = await storage.guaranteedUpdate(
    rr.namespace,
    rr.name!,
    (current) => {
      const next = checkBody(rr, applyPatch(current, patch, type, rr.resource, { manager, force, now: ctx.clock.now() }));
      // A resourceVersion in the patch is a precondition; otherwise patch the latest.
      const requested = (patch as Obj)?.metadata?.resourceVersion;
      next.metadata = { ...(next.metadata ?? {}), resourceVersion: requested ?? current.metadata.resourceVersion };
      return next;
    },
    { dryRun, subresource, expectedRv: typeof (patch as Obj)?.metadata?.resourceVersion === 'string' ? (patch as Obj).metadata.resourceVersion : undefined },
  );
  sendObject(ctx, req, res, 200, rr.resource, updated);
}

export function deleteOptions(req: ApiRequest, query: URLSearchParams): DeleteOptions {
  let body: Obj = {};
  if (req.body && req.body.length > 0) body = decodeBody(req.body, req.headers['content-type']);
  const opts: DeleteOptions = {};
  const grace = query.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds "${grace}"`);
    opts.gracePeriodSeconds = Math.max(0, n);
  }
  const policy = query.get('propagationPolicy') ?? body.propagationPolicy;
  if (policy !== undefined && policy !== null) {
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw badRequest(`Invalid propagationPolicy "${policy}": must be Orphan, Background or Foreground`);
    }
    opts.propagationPolicy = policy;
  }
  if (body.orphanDependents !== undefined || query.get('orphanDependents') !== null) {
    opts.orphanDependents = body.orphanDependents === true || query.get('orphanDependents') === 'true';
  }
  if (body.preconditions) opts.preconditions = body.preconditions;
  opts.dryRun = isDryRun(query) || (Array.isArray(body.dryRun) && body.dryRun.includes('All'));
  return opts;
}

export async function deleteObject(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const opts = deleteOptions(req, rr.query);
  const storage = ctx.storage(rr.resource);
  if (rr.resource.kind === 'Namespace') {
    const { obj, deleted } = await deleteNamespace(ctx, rr.name!, opts);
    if (!deleted && !opts.dryRun) ctx.namespaceDeleted(rr.name!);
    sendJson(res, 200, obj);
    return;
  }
  const { obj, deleted } = await storage.delete(rr.namespace, rr.name!, opts);
  if (deleted) {
    sendJson(res, 200, success({ name: obj.metadata.name, ...(rr.resource.group ? { group: rr.resource.group } : {}), kind: rr.resource.plural, uid: obj.metadata.uid }));
  } else sendJson(res, 200, obj);
}

/**
 * Namespaces go in two steps: DELETE marks them Terminating; the namespace
 * finalizer empties them and then removes them.
 */
async function deleteNamespace(ctx: ServerContext, name: string, opts: DeleteOptions): Promise<{ obj: Obj; deleted: boolean }> {
  const storage = ctx.storageFor('Namespace');
  const current = await storage.get(undefined, name);
  if ((current.spec?.finalizers ?? []).length === 0) return storage.delete(undefined, name, opts);
  if (current.metadata.deletionTimestamp) return { obj: current, deleted: false };
  const mark = (ns: Obj): Obj => {
    ns.metadata.deletionTimestamp = timestamp(ctx.clock.now());
    ns.metadata.deletionGracePeriodSeconds = 0;
    ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
    return ns;
  };
  if (opts.dryRun) return { obj: mark(structuredClone(current)), deleted: false };
  const obj = await storage.guaranteedUpdate(undefined, name, mark, { subresource: 'internal' });
  return { obj, deleted: false };
}

export async function deleteCollection(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const opts = deleteOptions(req, rr.query);
  const { filter } = selectorFilter(rr.resource, rr.query);
  const storage = ctx.storage(rr.resource);
  const listed = await storage.list(rr.namespace, { filter });
  const items: Obj[] = [];
  for (const obj of listed.items) {
    try {
      const { obj: after } = await storage.delete(obj.metadata.namespace, obj.metadata.name, opts);
      items.push(after);
    } catch (err) {
      if ((err as { reason?: string }).reason !== 'NotFound') throw err;
    }
  }
  const r = rr.resource;
  sendJson(res, 200, { kind: r.listKind, apiVersion: r.apiVersion, metadata: {}, items });
}
