// A fake API server for the client tests: an ApiHandler over an in-memory
// object store with resourceVersions, list paging, and watches replayed from
// history — plus knobs for what the tests need to provoke: dropped watches,
// 410 Expired (as HTTP or as an ERROR event), partitions (changes watchers do
// not see), bookmarks, injected failures, and logs. Just enough Kubernetes to
// exercise the client; the real API server has its own tests.

import type { ApiHandler, ApiRequest, ApiResponse } from '../../../../src/api/handler.js';
import type { Status } from '../../../../src/api/status.js';
import { kindInfo, knownKinds, type KindInfo } from '../../../../src/api/schemas.js';
import { Selector } from '../../../../src/client/selector.js';

export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; labels?: Record<string, string>; [k: string]: unknown };
  [field: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body?: string;
}

interface Watcher {
  plural: string;
  namespace?: string;
  selector: Selector;
  bookmarks: boolean;
  res: ApiResponse;
  end(): void;
}

interface HistoryEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  plural: string;
  object: Obj;
}

type Intercept = (req: RecordedRequest) => { status: number; body: string; contentType?: string } | undefined;

export class FakeApi {
  rv = 100;
  /** Watches from a resourceVersion below this get 410 Expired. */
  compactedRV = 0;
  /** How a too-old watch is refused: an HTTP 410, or a 200 whose first event is an ERROR. */
  expiredAs: 'http' | 'event' = 'http';
  /** While partitioned, changes are stored but not sent to open watches. */
  partitioned = false;
  /** Send every watch event in pieces of this many bytes (exercises line splitting). */
  chunkSize = 0;
  readonly requests: RecordedRequest[] = [];
  readonly watchers = new Set<Watcher>();
  /** Return a canned response instead of handling the request. */
  intercept: Intercept | undefined;
  readonly logs = new Map<string, string[]>();
  private readonly logFollowers = new Map<string, Set<ApiResponse>>();
  private readonly objects = new Map<string, Obj>();
  private readonly history: HistoryEntry[] = [];
  private uid = 0;

  // -- test controls ----------------------------------------------------------

  /** Store an object as if created through the API (notifies watchers). */
  put(obj: Obj): Obj {
    const info = infoFor(obj);
    const key = storeKey(info.plural, obj.metadata.namespace, obj.metadata.name);
    const existed = this.objects.has(key);
    const stored = this.stamp(structuredClone(obj), existed ? this.objects.get(key)!.metadata.uid : undefined);
    this.objects.set(key, stored);
    this.record(existed ? 'MODIFIED' : 'ADDED', info.plural, stored);
    return structuredClone(stored);
  }

  /** Delete an object as if through the API (notifies watchers). */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void {
    const info = kindInfo(apiVersion, kind)!;
    const key = storeKey(info.plural, namespace, name);
    const old = this.objects.get(key);
    if (!old) throw new Error(`no ${key}`);
    this.objects.delete(key);
    const rv = ++this.rv;
    const tombstone = { ...structuredClone(old), metadata: { ...old.metadata, resourceVersion: String(rv) } };
    this.history.push({ rv, type: 'DELETED', plural: info.plural, object: tombstone });
    this.notify('DELETED', info.plural, tombstone);
  }

  getObject(plural: string, namespace: string | undefined, name: string): Obj | undefined {
    return this.objects.get(storeKey(plural, namespace, name));
  }

  /** End every open watch response cleanly, as a server restart or proxy timeout would. */
  dropWatches(): void {
    for (const w of [...this.watchers]) w.end();
  }

  /** Forget history up to now: watches from older resourceVersions get 410. */
  compact(): void {
    this.compactedRV = this.rv;
    this.history.length = 0;
  }

  /** Send every open watch an ERROR 410 event and end it. */
  expireWatches(): void {
    for (const w of [...this.watchers]) {
      void w.res.write(JSON.stringify({ type: 'ERROR', object: expiredStatus(this.compactedRV) }) + '\n');
      w.end();
    }
  }

  /** Send a BOOKMARK at the current resourceVersion to watches that allow them. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      const info = knownKinds().find((k) => k.plural === w.plural)!;
      void this.send(w, { type: 'BOOKMARK', object: { apiVersion: info.apiVersion, kind: info.kind, metadata: { resourceVersion: String(this.rv) } } });
    }
  }

  /** Append a line to a pod's log (sent to followers at once). */
  appendLog(namespace: string, pod: string, line: string): void {
    const key = `${namespace}/${pod}`;
    const lines = this.logs.get(key) ?? [];
    lines.push(line);
    this.logs.set(key, lines);
    for (const res of this.logFollowers.get(key) ?? []) void res.write(line + '\n');
  }

  logFollowerCount(): number {
    let n = 0;
    for (const set of this.logFollowers.values()) n += set.size;
    return n;
  }

  requestsFor(method: string, pathPrefix: string, filter?: (q: URLSearchParams) => boolean): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix) && (!filter || filter(r.query)));
  }

  // -- the handler ------------------------------------------------------------

  readonly handler: ApiHandler = async (req, res) => {
    const url = new URL(req.url, 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      ...(req.body ? { body: req.body.toString('utf8') } : {}),
    };
    this.requests.push(recorded);
    const canned = this.intercept?.(recorded);
    if (canned) {
      res.writeHead(canned.status, { 'content-type': canned.contentType ?? 'application/json' });
      res.end(canned.body);
      return;
    }
    if (url.pathname === '/version') return json(res, 200, { gitVersion: 'v1.30.0-fake' });
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (url.pathname === '/boom') throw new Error('the handler blew up');
    const route = parsePath(url.pathname);
    if (!route) return status(res, 404, 'NotFound', `the server could not find the requested resource`);
    const { info, namespace, name, subresource } = route;
    const method = req.method;

    if (!name) {
      if (method === 'GET' && url.searchParams.get('watch') === 'true') return this.watch(req, res, info, namespace, url.searchParams);
      if (method === 'GET') return this.list(res, info, namespace, url.searchParams);
      if (method === 'POST') return this.create(res, info, namespace, req.body);
      if (method === 'DELETE') return this.deleteCollection(res, info, namespace, url.searchParams);
      return status(res, 405, 'MethodNotAllowed', 'method not allowed');
    }
    const key = storeKey(info.plural, namespace, name);
    const current = this.objects.get(key);
    const gr = info.group ? `${info.plural}.${info.group}` : info.plural;
    if (subresource === 'log') return this.log(req, res, namespace!, name, url.searchParams);
    if (!current) return status(res, 404, 'NotFound', `${gr} "${name}" not found`, { name, kind: info.plural });
    switch (`${method} ${subresource ?? ''}`) {
      case 'GET ':
        return json(res, 200, withType(info, current));
      case 'PUT ':
      case 'PUT status': {
        const body = JSON.parse(req.body!.toString('utf8')) as Obj;
        if (body.metadata.resourceVersion && body.metadata.resourceVersion !== current.metadata.resourceVersion) {
          return status(res, 409, 'Conflict', `Operation cannot be fulfilled on ${gr} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
        }
        const next = subresource === 'status' ? { ...current, status: body.status } : { ...body, status: current.status };
        return json(res, 200, withType(info, this.store(info, next as Obj, current.metadata.uid)));
      }
      case 'PATCH ':
      case 'PATCH status': {
        const patch = JSON.parse(req.body!.toString('utf8')) as Record<string, unknown>;
        const next = mergePatch(structuredClone(current), patch) as Obj;
        return json(res, 200, withType(info, this.store(info, next, current.metadata.uid)));
      }
      case 'DELETE ': {
        this.remove(info.apiVersion, info.kind, namespace, name);
        return json(res, 200, withType(info, current));
      }
      case 'POST binding': {
        const binding = JSON.parse(req.body!.toString('utf8')) as { target: { name: string } };
        const next = structuredClone(current) as Obj & { spec?: Record<string, unknown> };
        next.spec = { ...next.spec, nodeName: binding.target.name };
        this.store(info, next, current.metadata.uid);
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }));
        return;
      }
      case 'GET scale': {
        const spec = (current as { spec?: { replicas?: number } }).spec;
        return json(res, 200, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace, resourceVersion: current.metadata.resourceVersion }, spec: { replicas: spec?.replicas ?? 1 }, status: { replicas: 0 } });
      }
      case 'PUT scale': {
        const scale = JSON.parse(req.body!.toString('utf8')) as { spec: { replicas: number } };
        const next = structuredClone(current) as Obj & { spec?: Record<string, unknown> };
        next.spec = { ...next.spec, replicas: scale.spec.replicas };
        const stored = this.store(info, next, current.metadata.uid);
        return json(res, 200, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace, resourceVersion: stored.metadata.resourceVersion }, spec: { replicas: scale.spec.replicas } });
      }
      default:
        return status(res, 405, 'MethodNotAllowed', 'method not allowed');
    }
  };

  // -- verbs ----------------------------------------------------------------------

  private list(res: ApiResponse, info: KindInfo, namespace: string | undefined, q: URLSearchParams): void {
    let startAfter = '';
    let atRV = this.rv;
    const token = q.get('continue');
    if (token) {
      const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { rv: number; after: string };
      if (decoded.rv < this.compactedRV) {
        return status(res, 410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      startAfter = decoded.after;
      atRV = decoded.rv;
    }
    const selector = Selector.parse(q.get('labelSelector') ?? '');
    const all = this.select(info.plural, namespace, selector).filter(([key]) => key > startAfter);
    const limit = Number(q.get('limit') ?? 0);
    const page = limit > 0 ? all.slice(0, limit) : all;
    const more = limit > 0 && all.length > limit;
    const metadata: Record<string, unknown> = { resourceVersion: String(atRV) };
    if (more) metadata.continue = Buffer.from(JSON.stringify({ rv: atRV, after: page[page.length - 1][0] })).toString('base64');
    // Like the real apiserver, list items carry no apiVersion/kind.
    const items = page.map(([, obj]) => {
      const { apiVersion: _a, kind: _k, ...rest } = obj;
      return rest;
    });
    json(res, 200, { apiVersion: info.apiVersion, kind: info.listKind, metadata, items });
  }

  private async watch(req: ApiRequest, res: ApiResponse, info: KindInfo, namespace: string | undefined, q: URLSearchParams): Promise<void> {
    const from = q.get('resourceVersion') ?? '';
    const fromRV = from === '' || from === '0' ? undefined : Number(from);
    if (fromRV !== undefined && fromRV < this.compactedRV) {
      if (this.expiredAs === 'http') return status(res, 410, 'Expired', `too old resource version: ${fromRV} (${this.compactedRV})`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'ERROR', object: expiredStatus(this.compactedRV) }) + '\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const selector = Selector.parse(q.get('labelSelector') ?? '');
    let ended = false;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const watcher: Watcher = {
      plural: info.plural,
      ...(namespace ? { namespace } : {}),
      selector,
      bookmarks: q.get('allowWatchBookmarks') === 'true',
      res,
      end: () => {
        if (ended) return;
        ended = true;
        this.watchers.delete(watcher);
        res.end();
        finish();
      },
    };
    if (fromRV === undefined) {
      for (const [, obj] of this.select(info.plural, namespace, selector)) await this.send(watcher, { type: 'ADDED', object: obj });
    } else {
      for (const entry of this.history) {
        if (entry.rv > fromRV && this.matches(watcher, entry.plural, entry.object)) await this.send(watcher, { type: entry.type, object: entry.object });
      }
    }
    this.watchers.add(watcher);
    const onAbort = (): void => watcher.end();
    req.signal.addEventListener('abort', onAbort, { once: true });
    if (req.signal.aborted) watcher.end();
    await finished;
    req.signal.removeEventListener('abort', onAbort);
  }

  private create(res: ApiResponse, info: KindInfo, namespace: string | undefined, body: Buffer | undefined): void {
    const obj = JSON.parse(body!.toString('utf8')) as Obj;
    if (info.namespaced) obj.metadata.namespace ??= namespace;
    if (!obj.metadata.name && typeof obj.metadata.generateName === 'string') obj.metadata.name = `${obj.metadata.generateName}${++this.uid}`;
    const key = storeKey(info.plural, obj.metadata.namespace, obj.metadata.name);
    const gr = info.group ? `${info.plural}.${info.group}` : info.plural;
    if (this.objects.has(key)) return status(res, 409, 'AlreadyExists', `${gr} "${obj.metadata.name}" already exists`, { name: obj.metadata.name, kind: info.plural });
    json(res, 201, withType(info, this.store(info, obj, undefined)));
  }

  private deleteCollection(res: ApiResponse, info: KindInfo, namespace: string | undefined, q: URLSearchParams): void {
    const selector = Selector.parse(q.get('labelSelector') ?? '');
    const doomed = this.select(info.plural, namespace, selector);
    for (const [, obj] of doomed) this.remove(info.apiVersion, info.kind, obj.metadata.namespace, obj.metadata.name);
    json(res, 200, { apiVersion: info.apiVersion, kind: info.listKind, metadata: { resourceVersion: String(this.rv) }, items: doomed.map(([, o]) => o) });
  }

  private async log(req: ApiRequest, res: ApiResponse, namespace: string, pod: string, q: URLSearchParams): Promise<void> {
    const key = `${namespace}/${pod}`;
    const lines = this.logs.get(key) ?? [];
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (q.get('follow') !== 'true') {
      res.end(lines.map((l) => l + '\n').join(''));
      return;
    }
    for (const line of lines) await res.write(line + '\n');
    const followers = this.logFollowers.get(key) ?? new Set<ApiResponse>();
    this.logFollowers.set(key, followers);
    followers.add(res);
    await new Promise<void>((resolve) => {
      if (req.signal.aborted) resolve();
      req.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    followers.delete(res);
    res.end();
  }

  // -- internals ------------------------------------------------------------------

  private stamp(obj: Obj, uid: string | undefined): Obj {
    obj.metadata.resourceVersion = String(++this.rv);
    obj.metadata.uid = uid ?? `uid-${++this.uid}`;
    return obj;
  }

  private store(info: KindInfo, obj: Obj, uid: string | undefined): Obj {
    const key = storeKey(info.plural, obj.metadata.namespace, obj.metadata.name);
    const existed = this.objects.has(key);
    const stored = this.stamp({ ...obj, apiVersion: info.apiVersion, kind: info.kind }, uid);
    this.objects.set(key, stored);
    this.record(existed ? 'MODIFIED' : 'ADDED', info.plural, stored);
    return stored;
  }

  private record(type: HistoryEntry['type'], plural: string, object: Obj): void {
    this.history.push({ rv: Number(object.metadata.resourceVersion), type, plural, object: structuredClone(object) });
    this.notify(type, plural, object);
  }

  private notify(type: HistoryEntry['type'], plural: string, object: Obj): void {
    if (this.partitioned) return;
    for (const w of this.watchers) if (this.matches(w, plural, object)) void this.send(w, { type, object });
  }

  private matches(w: Watcher, plural: string, object: Obj): boolean {
    return w.plural === plural && (!w.namespace || w.namespace === object.metadata.namespace) && w.selector.matches(object.metadata.labels);
  }

  private async send(w: Watcher, event: { type: string; object: unknown }): Promise<void> {
    const line = Buffer.from(JSON.stringify(event) + '\n', 'utf8');
    if (this.chunkSize <= 0) return w.res.write(line);
    for (let i = 0; i < line.length; i += this.chunkSize) void w.res.write(line.subarray(i, i + this.chunkSize));
  }

  private select(plural: string, namespace: string | undefined, selector: Selector): Array<[string, Obj]> {
    const prefix = `${plural}|`;
    return [...this.objects.entries()]
      .filter(([key, obj]) => key.startsWith(prefix) && (!namespace || obj.metadata.namespace === namespace) && selector.matches(obj.metadata.labels))
      .map(([key, obj]) => [key.slice(prefix.length), structuredClone(obj)] as [string, Obj])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

function infoFor(obj: Obj): KindInfo {
  const info = kindInfo(obj.apiVersion ?? '', obj.kind ?? '');
  if (!info) throw new Error(`unknown kind ${obj.apiVersion}/${obj.kind}`);
  return info;
}

function storeKey(plural: string, namespace: string | undefined, name: string): string {
  return `${plural}|${namespace ? `${namespace}/` : ''}${name}`;
}

function withType(info: KindInfo, obj: Obj): Obj {
  return { ...obj, apiVersion: info.apiVersion, kind: info.kind };
}

function parsePath(path: string): { info: KindInfo; namespace?: string; name?: string; subresource?: string } | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let apiVersion: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1]) {
    apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts[1] && parts[2]) {
    apiVersion = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const info = knownKinds().find((k) => k.apiVersion === apiVersion && k.plural === rest[0]);
  if (!info) return undefined;
  return { info, ...(namespace ? { namespace } : {}), ...(rest[1] ? { name: rest[1] } : {}), ...(rest[2] ? { subresource: rest[2] } : {}) };
}

function json(res: ApiResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ApiResponse, code: number, reason: Status['reason'], message: string, details?: Status['details']): void {
  const body: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason ? { reason } : {}), ...(details ? { details } : {}), code };
  json(res, code, body);
}

function expiredStatus(compactedRV: number): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version (${compactedRV})`, reason: 'Expired', code: 410 };
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out = (typeof target === 'object' && target !== null && !Array.isArray(target) ? target : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A pod object for tests. */
export function pod(namespace: string, name: string, extra: { labels?: Record<string, string>; nodeName?: string; phase?: string } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
    ...(extra.phase ? { status: { phase: extra.phase } } : {}),
  };
}
