// ?watch=true: a chunked stream of newline-delimited JSON events, as
// kube-apiserver sends them. Without a resourceVersion (or with "0") the
// stream opens with ADDED for every current object; with one, it replays
// every change after it. Selectors see transitions: an object that stops
// matching is DELETED for this watcher, one that starts matching is ADDED.
// A too-old resourceVersion gets 410 Expired (HTTP before the stream starts,
// an ERROR event if history is compacted while it runs); the client re-lists.

import type { ApiRequest, ApiResponse } from '../../api/handler.js';
import { badRequest, expired, type Status } from '../../api/status.js';
import { ErrCompacted, prefixEnd, type WatchResponse, type Watcher } from '../../storage/index.js';
import type { ServerContext } from '../context.js';
import { wantsTable } from '../negotiation.js';
import type { Obj } from '../registry/codec.js';
import { listPrefix, objectKey } from '../registry/resources.js';
import { mapStoreError, parseRv } from '../registry/rest.js';
import { tableFor } from '../table/index.js';
import type { ResourceRequest } from './crud.js';
import { selectorFilter } from './crud.js';
import { sendError } from './respond.js';

/** A watcher that falls this far behind is cut off; it resumes from its last resourceVersion. */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 1800;

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export async function watchObjects(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const r = rr.resource;
  const { filter, name } = selectorFilter(r, rr.query);
  const table = wantsTable(req.headers.accept);
  const bookmarks = rr.query.get('allowWatchBookmarks') === 'true';
  const timeoutParam = rr.query.get('timeoutSeconds');
  const timeoutSeconds = timeoutParam ? Number(timeoutParam) : DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw badRequest(`invalid timeoutSeconds "${timeoutParam}"`);
  const narrowed = name !== undefined && (rr.namespace !== undefined || !r.namespaced);
  const prefix = listPrefix(r, rr.namespace);
  const key = narrowed ? objectKey(r, rr.namespace, name!) : prefix;
  const rangeEnd = narrowed ? undefined : prefixEnd(prefix);

  const rv = rr.query.get('resourceVersion');
  let initial: Obj[] = [];
  let startRev: number;
  if (!rv || rv === '0') {
    const listed = await ctx.storage(r).list(rr.namespace, { filter, name: narrowed ? name : undefined });
    initial = listed.items;
    startRev = Number(listed.resourceVersion) + 1;
  } else {
    startRev = parseRv(rv) + 1;
  }

  // The stream: a queue drained by one writer, so events stay in order.
  const queue: string[] = [];
  let queuedBytes = 0;
  let writing = false;
  let finished = false;
  let first = true;
  let watcher: Watcher | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let endTimer: NodeJS.Timeout | undefined;
  const now = (): number => ctx.clock.now();
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const finish = (): void => {
    if (finished) return;
    finished = true;
    resolveDone();
    clearInterval(bookmarkTimer);
    clearTimeout(endTimer);
    void watcher?.cancel();
    req.signal.removeEventListener('abort', finish);
    if (!writing) res.end();
  };

  let started = false; // no body before the headers
  const pump = async (): Promise<void> => {
    if (writing || !started) return;
    writing = true;
    while (queue.length > 0 && !req.signal.aborted) {
      const line = queue.shift()!;
      queuedBytes -= line.length;
      await res.write(line);
    }
    writing = false;
    if (finished) res.end();
  };

  const emit = (type: EventType, object: unknown): void => {
    if (finished) return;
    const line = JSON.stringify({ type, object }) + '\n';
    queue.push(line);
    queuedBytes += line.length;
    if (queuedBytes > MAX_QUEUED_BYTES) {
      ctx.log(`watch ${req.url}: client too slow, closing the stream`);
      queue.length = 0;
      finish();
      return;
    }
    void pump();
  };

  const emitObject = (type: EventType, obj: Obj): void => {
    const full = { ...obj, apiVersion: r.apiVersion, kind: r.kind };
    if (table) {
      emit(type, tableFor(r.kind, [full], { now: now(), resourceVersion: obj.metadata?.resourceVersion, omitHeaders: !first }));
      first = false;
    } else emit(type, full);
  };

  const onStore = (resp: WatchResponse): void => {
    if (resp.canceled) {
      const status: Status = (resp.compactRevision
        ? expired(`too old resource version: ${startRev - 1} (${resp.compactRevision})`)
        : expired(resp.cancelReason ?? 'watch closed')
      ).status;
      emit('ERROR', status);
      finish();
      return;
    }
    if (resp.progressNotify) {
      if (bookmarks) emit('BOOKMARK', { kind: r.kind, apiVersion: r.apiVersion, metadata: { resourceVersion: String(resp.header.revision) } });
      return;
    }
    for (const e of resp.events) {
      let obj: Obj | undefined;
      let prev: Obj | undefined;
      try {
        if (e.type === 'PUT') obj = ctx.codec.decode(r, e.kv);
        if (e.prevKv) prev = ctx.codec.decode(r, { value: e.prevKv.value, modRevision: e.kv.modRevision });
      } catch (err) {
        ctx.log(`watch: undecodable value at ${e.kv.key}`, err);
        continue;
      }
      const matches = obj && (!filter || filter(obj));
      const before = prev && (!filter || filter(prev));
      if (e.type === 'DELETE') {
        if (before) emitObject('DELETED', prev!);
      } else if (matches && before) emitObject('MODIFIED', obj!);
      else if (matches) emitObject('ADDED', obj!);
      else if (before) emitObject('DELETED', obj!); // stopped matching the selector
    }
  };

  // The initial state goes first; store events that arrive meanwhile queue behind it.
  for (const obj of initial) emitObject('ADDED', obj);
  try {
    watcher = await ctx.store.watch({ key, rangeEnd, startRevision: startRev, prevKv: true }, onStore);
  } catch (err) {
    if (err instanceof ErrCompacted) {
      sendError(res, expired(`too old resource version: ${startRev - 1} (${err.compactRevision})`), ctx.log);
      return;
    }
    throw mapStoreError(err);
  }
  // Headers go out at once, before any event (kubectl and client-node wait for them).
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  started = true;
  void pump();
  if (bookmarks) bookmarkTimer = setInterval(() => watcher?.requestProgress(), ctx.bookmarkIntervalMs);
  bookmarkTimer?.unref?.();
  if (timeoutSeconds > 0) endTimer = setTimeout(finish, timeoutSeconds * 1000);
  endTimer?.unref?.();
  req.signal.addEventListener('abort', finish);
  if (req.signal.aborted) finish();
  await done;
}
