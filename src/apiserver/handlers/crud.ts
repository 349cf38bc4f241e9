// The verbs on a resource: get, list, create, update, patch, delete and
// deletecollection, with dryRun, selectors, paging and Table output.

import type { ApiRequest, ApiResponse } from '../../api/handler.js';
import { fieldsOf, parseFieldSelector, requirementFor, validateFieldSelector } from '../../api/fields.js';
import { parseLabelSelector } from '../../api/labels.js';
import { badRequest, conflict, invalid, methodNotAllowed, StatusError, success } from '../../api/status.js';
import type { ServerContext } from '../context.js';
import { checkMetadataTypes } from '../meta-check.js';
import { decodeBody, decodePatch, patchType, wantsTable } from '../negotiation.js';
import { fieldManager, readParams } from '../params.js';
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
  readParams(rr.query, false);
  const obj = await ctx.storage(rr.resource).get(rr.namespace, rr.name!);
  sendObject(ctx, req, res, 200, rr.resource, obj);
}

export async function listObjects(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const params = readParams(rr.query, true);
  const { filter, name } = selectorFilter(rr.resource, rr.query);
  const narrowed = name !== undefined && (rr.namespace !== undefined || !rr.resource.namespaced);
  const result = await ctx.storage(rr.resource).list(rr.namespace, {
    filter,
    name: narrowed ? name : undefined,
    limit: params.limit,
    continueToken: params.continueToken,
    resourceVersion: params.resourceVersion,
    resourceVersionMatch: params.resourceVersionMatch,
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
export function checkBody(rr: ResourceRequest, body: unknown): Obj {
  const r = rr.resource;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`the object must be a JSON object, not ${Array.isArray(body) ? 'an array' : typeof body}`);
  const obj = body as Obj;
  if (obj.apiVersion !== undefined && obj.apiVersion !== r.apiVersion) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${r.apiVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== r.kind) {
    throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${r.kind})`);
  }
  checkMetadataTypes(obj.metadata);
  const ns = obj.metadata?.namespace;
  if (r.namespaced && ns && rr.namespace && ns !== rr.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  // A cluster-scoped object keeps no namespace (kube's EnsureObjectNamespaceMatchesRequestNamespace clears it).
  if (!r.namespaced && obj.metadata && 'namespace' in obj.metadata) {
    const { namespace: _dropped, ...metadata } = obj.metadata;
    return { ...obj, metadata, apiVersion: r.apiVersion, kind: r.kind };
  }
  return { ...obj, apiVersion: r.apiVersion, kind: r.kind };
}

/** A name in the body must be the one on the URL (kube's checkName). */
function checkName(rr: ResourceRequest, obj: Obj): void {
  const name = obj.metadata?.name;
  if (name !== rr.name) {
    throw badRequest(`the name of the object (${name ?? ''}) does not match the name on the URL (${rr.name})`);
  }
}

export async function createObject(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  requireNamespace(ctx, rr);
  const body = checkBody(rr, decodeBody(req.body, req.headers['content-type']));
  fieldManager(rr.query, rr.resource.kind, body.metadata?.name ?? '');
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
  fieldManager(rr.query, rr.resource.kind, rr.name!);
  if (body.metadata?.name !== undefined) checkName(rr, body);
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
  const manager = fieldManager(rr.query, rr.resource.kind, rr.name!);
  const force = rr.query.get('force') === 'true';
  const apply = (current: Obj): Obj => {
    const result = applyPatch(current, patch, type, rr.resource, { manager, force, now: ctx.clock.now() });
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new StatusError(422, 'Invalid', `the patch turned the object into ${Array.isArray(result) ? 'an array' : result === null ? 'null' : `a ${typeof result}`}; it must stay an object`);
    }
    const next = checkBody(rr, result);
    checkName(rr, next);
    return next;
  };
  if (type === 'apply') {
    const existing = await storage.tryGet(rr.namespace, rr.name!);
    if (!existing) {
      // Server-side apply of a new object creates it.
      if (rr.resource.namespaced) await ctx.checkNamespace(rr.namespace!);
      const created = await storage.create(rr.namespace, apply({}), { dryRun });
      sendObject(ctx, req, res, 201, rr.resource, created);
      return;
    }
  }
  const updated = await storage.guaranteedUpdate(
    rr.namespace,
    rr.name!,
    (current) => {
      const next = apply(current);
      // A resourceVersion the patch sets is a precondition, whatever the patch type.
      const rv = next.metadata?.resourceVersion;
      if (rv !== undefined && rv !== current.metadata.resourceVersion) throw conflict(rr.resource.gr, rr.name!);
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      return next;
    },
    { dryRun, subresource },
  );
  sendObject(ctx, req, res, 200, rr.resource, updated);
}

export function deleteOptions(req: ApiRequest, query: URLSearchParams): DeleteOptions {
  let body: Obj = {};
  if (req.body && req.body.length > 0) body = decodeBody(req.body, req.headers['content-type']);
  if (body.kind !== undefined && body.kind !== 'DeleteOptions') throw badRequest(`the body of a DELETE must be DeleteOptions, not ${String(body.kind)}`);
  const opts: DeleteOptions = {};
  const grace = query.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    const n = typeof grace === 'string' && /^-?[0-9]+$/.test(grace) ? Number(grace) : grace;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badRequest(`invalid gracePeriodSeconds ${JSON.stringify(grace)}: must be an integer`);
    opts.gracePeriodSeconds = Math.max(0, n);
  }
  const policy = query.get('propagationPolicy') ?? body.propagationPolicy;
  if (policy !== undefined && policy !== null) {
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw badRequest(`Unsupported propagationPolicy ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`);
    }
    opts.propagationPolicy = policy;
  }
  const orphan = query.get('orphanDependents') ?? body.orphanDependents;
  if (orphan !== undefined && orphan !== null) {
    if (orphan !== true && orphan !== false && orphan !== 'true' && orphan !== 'false') throw badRequest(`invalid orphanDependents ${JSON.stringify(orphan)}: must be a boolean`);
    if (opts.propagationPolicy) {
      throw invalid('', 'DeleteOptions', '', [{ reason: 'FieldValueInvalid', field: 'orphanDependents', message: 'Invalid value: orphanDependents and propagationPolicy cannot be both set' }]);
    }
    opts.orphanDependents = orphan === true || orphan === 'true';
  }
  if (body.preconditions !== undefined && body.preconditions !== null) {
    const p = body.preconditions;
    if (typeof p !== 'object' || Array.isArray(p) || (p.uid !== undefined && typeof p.uid !== 'string') || (p.resourceVersion !== undefined && typeof p.resourceVersion !== 'string')) {
      throw badRequest('preconditions must be an object with string uid and resourceVersion');
    }
    opts.preconditions = p;
  }
  let dryRun = isDryRun(query);
  if (body.dryRun !== undefined && body.dryRun !== null) {
    if (!Array.isArray(body.dryRun) || body.dryRun.some((v: unknown) => v !== 'All')) {
      throw badRequest(`invalid dryRun ${JSON.stringify(body.dryRun)}: must be a list whose only valid value is "All"`);
    }
    dryRun ||= body.dryRun.length > 0;
  }
  opts.dryRun = dryRun;
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
  readParams(rr.query, true);
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
