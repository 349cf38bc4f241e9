// Subresources: scale (autoscaling/v1 Scale over spec.replicas), pods/binding
// (the scheduler's one way to set spec.nodeName), pods/log (proxied to the
// node agent of the pod's node), and exec/attach/portforward (refused with a
// clear Status until node agents support streams).

import http from 'node:http';
import type { ApiRequest, ApiResponse } from '../../api/handler.js';
import { badRequest, conflict, invalid, notFound, serviceUnavailable, StatusError, success } from '../../api/status.js';
import type { ServerContext } from '../context.js';
import { decodeBody, decodePatch, patchType } from '../negotiation.js';
import type { Obj } from '../registry/codec.js';
import { timestamp } from '../registry/rest.js';
import { checkBody, isDryRun, type ResourceRequest } from './crud.js';
import { applyPatch } from './patch.js';
import { sendJson } from './respond.js';

function selectorString(sel: Obj | undefined): string {
  if (!sel) return '';
  const parts = Object.entries((sel.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  for (const e of (sel.matchExpressions ?? []) as Obj[]) {
    if (e.operator === 'In') parts.push(`${e.key} in (${e.values.join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${e.values.join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

function toScale(obj: Obj): Obj {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec?.selector) },
  };
}

export async function scale(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const r = rr.resource;
  const storage = ctx.storage(r);
  if (req.method === 'GET') {
    sendJson(res, 200, toScale(await storage.get(rr.namespace, rr.name!)));
    return;
  }
  if (req.method !== 'PUT' && req.method !== 'PATCH') throw badRequest(`${req.method} is not supported on scale`);
  const dryRun = isDryRun(rr.query);
  const updated = await storage.guaranteedUpdate(
    rr.namespace,
    rr.name!,
    (current) => {
      const before = toScale(current);
      let next: Obj;
      if (req.method === 'PUT') {
        next = decodeBody(req.body, req.headers['content-type']);
      } else {
        const type = patchType(req.headers['content-type']);
        if (type === 'apply') throw badRequest('server-side apply is not supported on scale');
        next = applyPatch(before, decodePatch(req.body, type), type, { ...r, apiVersion: 'autoscaling/v1', kind: 'Scale' }, { force: false, now: ctx.clock.now() });
      }
      const replicas = next.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw invalid('autoscaling', 'Scale', rr.name!, [
          { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` },
        ]);
      }
      const rv = next.metadata?.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) throw conflict(r.gr, rr.name!);
      current.spec = { ...(current.spec ?? {}), replicas };
      return current;
    },
    { dryRun },
  );
  sendJson(res, 200, toScale(updated));
}

/** POST pods/{name}/binding: assign a node, once. */
export async function bind(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const binding = decodeBody(req.body, req.headers['content-type']);
  const target = binding.target as Obj | undefined;
  if (!target?.name) {
    throw invalid('', 'Binding', rr.name!, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  }
  if (binding.metadata?.name && binding.metadata.name !== rr.name) throw badRequest('the name of the binding does not match the pod');
  const storage = ctx.storage(rr.resource);
  const dryRun = isDryRun(rr.query);
  await storage.guaranteedUpdate(
    rr.namespace,
    rr.name!,
    (pod) => {
      if (pod.metadata.deletionTimestamp) throw conflict(rr.resource.gr, rr.name!, 'pod is being deleted, cannot be assigned to a host');
      if (pod.spec?.nodeName) throw conflict(rr.resource.gr, rr.name!, `pod ${rr.name} is already assigned to node "${pod.spec.nodeName}"`);
      if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) throw conflict(rr.resource.gr, rr.name!, 'Precondition failed: UID mismatch');
      pod.spec.nodeName = target.name;
      const conditions: Obj[] = (pod.status?.conditions ?? []).filter((c: Obj) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(ctx.clock.now()) });
      pod.status = { ...(pod.status ?? {}), conditions };
      return pod;
    },
    { dryRun, subresource: 'internal' },
  );
  sendJson(res, 201, success());
}

/** GET pods/{name}/log, proxied to the node agent that runs the pod. */
export async function logs(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const pod = await ctx.storage(rr.resource).get(rr.namespace, rr.name!);
  const containers: Obj[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let container = rr.query.get('container') ?? undefined;
  if (!container) {
    if ((pod.spec?.containers ?? []).length !== 1) {
      throw badRequest(`a container name must be specified for pod ${rr.name}, choose one of: [${(pod.spec?.containers ?? []).map((c: Obj) => c.name).join(' ')}]`);
    }
    container = pod.spec.containers[0].name;
  }
  if (!containers.some((c) => c.name === container)) throw badRequest(`container ${container} is not valid for pod ${rr.name}`);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`container "${container}" in pod "${rr.name}" is waiting to start: the pod is not scheduled to a node yet`);
  const node = await ctx.storageFor('Node').tryGet(undefined, nodeName);
  const port = node?.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const address = (node?.status?.addresses ?? []).find((a: Obj) => a.type === 'InternalIP')?.address ?? '127.0.0.1';
  if (!node || !port) {
    throw serviceUnavailable(`no node agent serves logs for node "${nodeName}" (it has not registered a kubelet endpoint)`);
  }
  const query = new URLSearchParams();
  for (const key of ['follow', 'tailLines', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'limitBytes']) {
    const v = rr.query.get(key);
    if (v !== null) query.set(key, v);
  }
  const path = `/containerLogs/${encodeURIComponent(rr.namespace!)}/${encodeURIComponent(rr.name!)}/${encodeURIComponent(container!)}?${query}`;
  await proxyText(address, port, path, req, res);
}

function proxyText(host: string, port: number, path: string, req: ApiRequest, res: ApiResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = http.get({ host, port, path, timeout: 10_000 }, (up) => {
      if (up.statusCode !== 200) {
        let text = '';
        up.setEncoding('utf8');
        up.on('data', (c: string) => (text += c));
        up.on('end', () => {
          try {
            const body = JSON.parse(text);
            if (body?.kind === 'Status') return reject(StatusError.fromStatus(body, up.statusCode));
          } catch {
            // not JSON
          }
          reject(new StatusError(up.statusCode === 404 ? 404 : 502, up.statusCode === 404 ? 'NotFound' : 'InternalError', text.trim() || `node agent answered ${up.statusCode}`));
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
      up.on('data', (chunk: Buffer) => {
        up.pause();
        void res.write(chunk).then(() => up.resume());
      });
      up.on('end', () => {
        res.end();
        resolve();
      });
      up.on('error', () => {
        res.end();
        resolve();
      });
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', (err) => reject(serviceUnavailable(`cannot reach the node agent at ${host}:${port}: ${err.message}`)));
    req.signal.addEventListener('abort', () => upstream.destroy());
  });
}

export function refuseStream(sub: string, rr: ResourceRequest): never {
  void rr;
  throw badRequest(`${sub} is not supported by gitplane yet: the node agents do not serve interactive streams (use kubectl logs, or run the command in the container's image locally)`);
}

export async function finalizeNamespace(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const body = checkBody(rr, decodeBody(req.body, req.headers['content-type']));
  if (body.metadata?.name !== rr.name) throw badRequest(`the name of the object (${body.metadata?.name ?? ''}) does not match the name on the URL (${rr.name})`);
  const finalizers = body.spec?.finalizers ?? [];
  if (!Array.isArray(finalizers) || finalizers.some((f: unknown) => typeof f !== 'string')) throw badRequest('spec.finalizers must be a list of strings');
  const updated = await ctx.storageFor('Namespace').guaranteedUpdate(
    undefined,
    rr.name!,
    (ns) => {
      ns.spec = { ...(ns.spec ?? {}), finalizers };
      return ns;
    },
    { subresource: 'internal', dryRun: isDryRun(rr.query) },
  );
  sendJson(res, 200, updated);
}

export function notFoundSub(rr: ResourceRequest, sub: string): StatusError {
  void rr;
  const err = notFound({ group: '', resource: '' }, sub);
  err.status.message = 'the server could not find the requested resource';
  return err;
}
