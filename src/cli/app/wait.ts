// Waiting on the controller: watch the Application (from the resourceVersion our
// request produced, so no intermediate state is missed — a rollback's state lasts
// only until the automated sync of the revert replaces it) until our operation
// finishes, or poll until the app is gone (delete --wait). Both have a deadline.

import type { Application, OperationState } from '../../api/generated/index.js';
import { isNotFound, isResourceExpired, type ResourceClient } from '../../client/index.js';
import { operationProgress, type ExpectedOperation } from './operation.js';

export interface WaitOptions {
  timeoutMs: number;
  /** How long a final phase without finishedAt is given to become final before it is taken as is (default 3 s). */
  settleMs?: number;
  /** Poll interval when polling (default 500 ms). */
  intervalMs?: number;
  onProgress?: (text: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type WaitResult<T> = { ok: true; value: T } | { ok: false; waitedMs: number };

type Done = { app: Application; state: OperationState };

/**
 * Watch until our operation is done. `start` is the app as our patch left it (its
 * resourceVersion is where the watch begins); `before` the operationState before the patch.
 */
export async function waitForOperation(
  apps: ResourceClient<Application>,
  start: Application,
  before: OperationState | undefined,
  expect: ExpectedOperation,
  opts: WaitOptions,
): Promise<WaitResult<Done>> {
  const now = opts.now ?? Date.now;
  const began = now();
  const name = start.metadata.name ?? '';
  const settleMs = opts.settleMs ?? 3000;
  let found: Done | undefined;
  let settling: { since: number; app: Application; state: OperationState } | undefined;
  const check = (app: Application): boolean => {
    const p = operationProgress(before, app, expect);
    if (p.done) found = { app, state: p.state };
    else {
      if (p.settling) settling ??= { since: now(), app, state: p.state };
      else settling = undefined;
      opts.onProgress?.(describeProgress(name, p.state));
    }
    return p.done;
  };
  /** A final phase whose finishedAt never came (the last status write lost it): take it after settleMs. */
  const settled = (): boolean => {
    if (!settling || now() - settling.since < settleMs) return false;
    found = { app: settling.app, state: settling.state };
    return true;
  };
  if (check(start)) return { ok: true, value: found! };
  let rv = start.metadata.resourceVersion;
  while (now() - began < opts.timeoutMs) {
    if (settled()) return { ok: true, value: found! };
    const remaining = opts.timeoutMs - (now() - began);
    const abort = new AbortController();
    // Stop watching at the deadline, or when a settling state has waited long enough.
    const delay = () => (settling ? Math.min(opts.timeoutMs - (now() - began), Math.max(1, settleMs - (now() - settling.since))) : remaining);
    let timer = setTimeout(() => abort.abort(), delay());
    try {
      const stream = await apps.watch({ fieldSelector: { 'metadata.name': name }, ...(rv ? { resourceVersion: rv } : {}), signal: abort.signal });
      for await (const event of stream) {
        if (event.type === 'ERROR') {
          if (event.object.code === 410) rv = undefined;
          break;
        }
        if (event.type === 'BOOKMARK') {
          rv = event.object.metadata?.resourceVersion ?? rv;
          continue;
        }
        if (event.type === 'DELETED') throw new Error(`application ${name} was deleted while waiting`);
        rv = event.object.metadata?.resourceVersion ?? rv;
        const wasSettling = settling !== undefined;
        if (check(event.object)) {
          stream.stop();
          return { ok: true, value: found! };
        }
        if (settling && !wasSettling) {
          clearTimeout(timer);
          timer = setTimeout(() => abort.abort(), delay());
        }
      }
    } catch (err) {
      if (abort.signal.aborted) {
        if (settling) continue;
        break;
      }
      if (!isResourceExpired(err)) throw err;
      rv = undefined;
    } finally {
      clearTimeout(timer);
    }
    if (rv === undefined) {
      // Too old to resume: read the current state and carry on from there.
      const app = await apps.get(name);
      if (check(app)) return { ok: true, value: found! };
      rv = app.metadata.resourceVersion;
    }
  }
  return { ok: false, waitedMs: now() - began };
}

/** "web: Running, 3 resource(s) done" or "web: waiting for the controller to start the operation". */
export function describeProgress(name: string, state: OperationState | undefined): string {
  if (!state) return `${name}: waiting for the controller to start the operation`;
  const results = state.syncResult?.resources ?? [];
  const detail = state.message ? `: ${state.message.split('\n', 1)[0]}` : results.length ? `, ${results.length} resource(s) done` : '';
  return `${name}: ${state.phase}${detail}`;
}

/** Poll until the object is gone (404). */
export async function waitForDeletion(client: { get(name: string): Promise<unknown> }, name: string, opts: WaitOptions): Promise<WaitResult<void>> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const start = now();
  for (;;) {
    try {
      await client.get(name);
    } catch (err) {
      if (isNotFound(err)) return { ok: true, value: undefined };
      throw err;
    }
    const elapsed = now() - start;
    if (elapsed >= opts.timeoutMs) return { ok: false, waitedMs: elapsed };
    opts.onProgress?.(`${name}: deleting its resources`);
    await sleep(Math.min(opts.intervalMs ?? 500, Math.max(1, opts.timeoutMs - elapsed)));
  }
}
