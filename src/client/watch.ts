// Watch streams: newline-delimited JSON events over a streamed response,
// read as an async iterator, or pushed to a callback.

import { StatusError, type Status } from '../api/status.js';
import { splitLines } from './transport/lines.js';
import type { StreamResponse } from './transport/types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * One watch event. BOOKMARK carries an object with only kind, apiVersion and
 * metadata.resourceVersion; ERROR carries a Status (code 410 means: re-list).
 */
export type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T } | { type: 'ERROR'; object: Status };

/** An open watch. Iterate it once; iteration ends when the server ends the watch or on stop(). */
export interface WatchStream<T> extends AsyncIterable<WatchEvent<T>> {
  /** End the watch and release its connection (idempotent). */
  stop(): void;
}

/** A watch pushing events into a callback. */
export interface Watcher {
  stop(): void;
  /** Settles when the watch ends: resolves on a server close or stop(), rejects on a broken connection or a throwing handler. */
  readonly done: Promise<void>;
}

const TYPES = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

export function watchStream<T>(response: StreamResponse, fillType?: { apiVersion: string; kind: string }): WatchStream<T> {
  let iterated = false;
  return {
    stop: () => response.cancel(),
    async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>, void, undefined> {
      if (iterated) throw new Error('a watch can be iterated only once');
      iterated = true;
      try {
        for await (const line of splitLines(response.chunks)) {
          if (line.trim() === '') continue;
          yield decodeEvent<T>(line, fillType);
        }
      } finally {
        response.cancel();
      }
    },
  };
}

/** Pump a watch stream into a handler. */
export function pumpWatch<T>(stream: WatchStream<T>, handler: (event: WatchEvent<T>) => void | Promise<void>): Watcher {
  const done = (async () => {
    for await (const event of stream) await handler(event);
  })();
  done.catch(() => undefined); // the caller may not look at done; never an unhandled rejection
  return { stop: () => stream.stop(), done };
}

function decodeEvent<T>(line: string, fillType?: { apiVersion: string; kind: string }): WatchEvent<T> {
  let parsed: { type?: unknown; object?: unknown };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    throw new StatusError(500, 'InternalError', `unable to decode watch event: ${truncate(line)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || !TYPES.has(parsed.type as WatchEventType) || typeof parsed.object !== 'object' || parsed.object === null) {
    throw new StatusError(500, 'InternalError', `malformed watch event: ${truncate(line)}`);
  }
  const object = parsed.object as Record<string, unknown>;
  if (fillType && parsed.type !== 'ERROR') {
    object.apiVersion ??= fillType.apiVersion;
    object.kind ??= fillType.kind;
  }
  return { type: parsed.type, object } as WatchEvent<T>;
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
