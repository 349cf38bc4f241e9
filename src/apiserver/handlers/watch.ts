// ?watch=true: a chunked stream of newline-delimited JSON events, as
// kube-apiserver sends them. Without a resourceVersion (or with "0") the
// stream opens with ADDED for every current object; with one, it replays
// every change after it. Selectors see transitions: an object that stops
// matching is DELETED for this watcher, one that starts matching is ADDED.
// A too-old resourceVersion gets 410 Expired (HTTP before the stream starts,
// an ERROR event if history is compacted while it runs); the client re-lists.
//
// Events come from the resource's shared watch cache when it reaches back
// far enough (one decode and one serialization per change for everyone),
// otherwise from a store watch of this request's own.

import type { ApiRequest, ApiResponse } from '../../api/handler.js';
import { badRequest, expired } from '../../api/status.js';
import { ErrCompacted, prefixEnd, type WatchResponse, type Watcher } from '../../storage/index.js';
import type { ServerContext } from '../context.js';
import { wantsTable } from '../negotiation.js';
import type { Obj } from '../registry/codec.js';
import { listPrefix, objectKey } from '../registry/resources.js';
import { mapStoreError, parseRv } from '../registry/rest.js';
import { readParams } from '../params.js';
import { tableFor } from '../table/index.js';
import type { CacheSubscriber, CachedEvent } from '../watch-cache.js';
import type { ResourceRequest } from './crud.js';
import { selectorFilter } from './crud.js';
import { sendError } from './respond.js';

/** A watcher that falls this far behind is cut off; it resumes from its last resourceVersion. */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 1800;

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Ordered, backpressured writing of event lines to one response. */
class EventStream {
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private started = false;
  finished = false;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly req: ApiRequest,
    private readonly res: ApiResponse,
    private readonly log: (msg: string) => void,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  onFinish(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** Send headers and start writing what is queued. */
  open(): void {
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    this.started = true;
    void this.pump();
  }

  push(line: string): void {
    if (this.finished) return;
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (this.queuedBytes > MAX_QUEUED_BYTES) {
      this.log(`watch ${this.req.url}: client too slow, closing the stream`);
      this.queue.length = 0;
      this.finish();
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.writing || !this.started) return;
    this.writing = true;
    while (this.queue.length > 0 && !this.req.signal.aborted) {
      const line = this.queue.shift()!;
      this.queuedBytes -= line.length;
      await this.res.write(line);
    }
    this.writing = false;
    if (this.finished) this.res.end();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const fn of this.cleanups) fn();
    this.resolveDone();
    if (!this.writing) this.res.end();
  }
}

export async function watchObjects(ctx: ServerContext, rr: ResourceRequest, req: ApiRequest, res: ApiResponse): Promise<void> {
  const r = rr.resource;
  const { filter, name } = selectorFilter(r, rr.query);
  const table = wantsTable(req.headers.accept);
  const params = readParams(rr.query, true);
  const bookmarks = params.allowWatchBookmarks;
  const timeoutSeconds = params.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const narrowed = name !== undefined && (rr.namespace !== undefined || !r.namespaced);
  const prefix = listPrefix(r, rr.namespace);
  const exactKey = narrowed ? objectKey(r, rr.namespace, name!) : undefined;

  const rv = params.resourceVersion;
  let initial: Obj[] = [];
  let startRev: number;
  // sendInitialEvents (watch-list): the current state as ADDED, then a bookmark marking its end.
  const initialEvents = params.sendInitialEvents ?? (!rv || rv === '0');
  if (params.sendInitialEvents && !bookmarks) throw badRequest('sendInitialEvents requires allowWatchBookmarks=true');
  if (initialEvents) {
    const listed = await ctx.storage(r).list(rr.namespace, { filter, name: narrowed ? name : undefined });
    initial = listed.items;
    startRev = Number(listed.resourceVersion) + 1;
  } else if (!rv || rv === '0') {
    startRev = (await ctx.store.status()).header.revision + 1;
  } else {
    startRev = parseRv(rv) + 1;
  }

  const stream = new EventStream(req, res, (m) => ctx.log(m));
  let firstTable = true;
  const line = (type: EventType, object: unknown): string => JSON.stringify({ type, object }) + '\n';
  const full = (obj: Obj): Obj => (obj.apiVersion === r.apiVersion && obj.kind === r.kind ? obj : { ...obj, apiVersion: r.apiVersion, kind: r.kind });
  /** Send one object event; `cache` shares the serialized line with other watchers. */
  const sendObject = (type: EventType, obj: Obj, cache?: Map<string, string>, cacheKey: string = type): void => {
    if (table) {
      stream.push(line(type, tableFor(r.kind, [full(obj)], { now: ctx.clock.now(), resourceVersion: obj.metadata?.resourceVersion, omitHeaders: !firstTable })));
      firstTable = false;
      return;
    }
    let text = cache?.get(cacheKey);
    if (text === undefined) {
      text = line(type, full(obj));
      cache?.set(cacheKey, text);
    }
    stream.push(text);
  };
  /** One change, with selector transitions. */
  const deliver = (obj: Obj | undefined, prev: Obj | undefined, cache?: Map<string, string>): void => {
    const matches = obj !== undefined && (!filter || filter(obj));
    const before = prev !== undefined && (!filter || filter(prev));
    if (obj === undefined) {
      if (before) sendObject('DELETED', prev!, cache);
    } else if (matches && before) sendObject('MODIFIED', obj, cache);
    else if (matches) sendObject('ADDED', obj, cache);
    else if (before) sendObject('DELETED', obj, cache, 'DELETED-unmatched'); // stopped matching
  };
  const bookmark = (rev: number): void => {
    if (bookmarks) stream.push(line('BOOKMARK', { kind: r.kind, apiVersion: r.apiVersion, metadata: { resourceVersion: String(rev) } }));
  };

  // The initial state goes first; changes that arrive meanwhile queue behind it.
  for (const obj of initial) sendObject('ADDED', obj);
  if (params.sendInitialEvents) {
    stream.push(
      line('BOOKMARK', {
        kind: r.kind,
        apiVersion: r.apiVersion,
        metadata: { resourceVersion: String(startRev - 1), annotations: { 'k8s.io/initial-events-end': 'true' } },
      }),
    );
  }

  const cache = ctx.watchCache(r);
  const sub: CacheSubscriber = {
    keyPrefix: prefix,
    exactKey,
    fromRev: startRev,
    onEvent: (e: CachedEvent) => deliver(e.obj, e.prev, e.lines),
    onProgress: (rev) => bookmark(rev),
    onEnd: (reason) => {
      stream.push(line('ERROR', expired(`the watch was ended by the server: ${reason}; please re-list`).status));
      stream.finish();
    },
  };
  if (cache && cache.subscribe(sub)) {
    stream.onFinish(() => cache.unsubscribe(sub));
  } else {
    let watcher: Watcher;
    const onStore = (resp: WatchResponse): void => {
      if (resp.canceled) {
        const reason = resp.compactRevision ? `too old resource version: ${startRev - 1} (${resp.compactRevision})` : (resp.cancelReason ?? 'watch closed');
        stream.push(line('ERROR', expired(reason).status));
        stream.finish();
        return;
      }
      if (resp.progressNotify) return bookmark(resp.header.revision);
      for (const e of resp.events) {
        try {
          const obj = e.type === 'PUT' ? ctx.codec.decode(r, e.kv) : undefined;
          const prev = e.prevKv ? ctx.codec.decode(r, { value: e.prevKv.value, modRevision: e.kv.modRevision }) : undefined;
          deliver(obj, prev);
        } catch (err) {
          ctx.log(`watch: undecodable value at ${e.kv.key}`, err);
        }
      }
    };
    try {
      watcher = await ctx.store.watch(
        { key: exactKey ?? prefix, rangeEnd: exactKey ? undefined : prefixEnd(prefix), startRevision: startRev, prevKv: true },
        onStore,
      );
    } catch (err) {
      if (err instanceof ErrCompacted) {
        sendError(res, expired(`too old resource version: ${startRev - 1} (${err.compactRevision})`), ctx.log);
        return;
      }
      throw mapStoreError(err);
    }
    stream.onFinish(() => void watcher.cancel());
    if (bookmarks) {
      const timer = setInterval(() => watcher.requestProgress(), ctx.bookmarkIntervalMs);
      timer.unref?.();
      stream.onFinish(() => clearInterval(timer));
    }
  }

  // Headers go out at once, before any event (kubectl and client-node wait for them).
  stream.open();
  if (timeoutSeconds > 0) {
    const timer = setTimeout(() => stream.finish(), timeoutSeconds * 1000);
    timer.unref?.();
    stream.onFinish(() => clearTimeout(timer));
  }
  const onAbort = (): void => stream.finish();
  req.signal.addEventListener('abort', onAbort);
  stream.onFinish(() => req.signal.removeEventListener('abort', onAbort));
  if (req.signal.aborted) stream.finish();
  await stream.done;
}
