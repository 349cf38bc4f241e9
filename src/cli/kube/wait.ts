// Waiting on one object through a watch narrowed to its name: until it is
// gone (delete --wait), or until the next change after a resourceVersion
// (rollout status). Watches that the server ends are re-opened after a GET.

import type { Status } from '../../api/status.js';
import { StatusError } from '../../api/status.js';
import { isNotFound, isResourceExpired, type KubeObject, type ResourceClient } from '../../client/index.js';

/** The object's next state after `resourceVersion`, or undefined once it is deleted. Throws an AbortError-like error when `signal` aborts. */
export async function nextChange(rc: ResourceClient<KubeObject>, name: string, resourceVersion: string | undefined, signal: AbortSignal): Promise<KubeObject | undefined> {
  for (;;) {
    if (signal.aborted) throw aborted();
    let stream;
    try {
      stream = await rc.watch({ fieldSelector: `metadata.name=${name}`, ...(resourceVersion ? { resourceVersion } : {}), allowWatchBookmarks: true, timeoutSeconds: 300, signal });
    } catch (err) {
      if (signal.aborted) throw aborted();
      if (!isResourceExpired(err)) throw err;
      stream = undefined;
    }
    if (stream) {
      try {
        for await (const event of stream) {
          if (event.type === 'BOOKMARK') {
            resourceVersion = (event.object as KubeObject).metadata?.resourceVersion ?? resourceVersion;
            continue;
          }
          if (event.type === 'ERROR') {
            const status = event.object as Status;
            if (status.code === 410) break; // too old: re-read below
            throw StatusError.fromStatus(status);
          }
          if (event.type === 'DELETED') return undefined;
          return event.object;
        }
      } catch (err) {
        if (signal.aborted) throw aborted();
        throw err;
      } finally {
        stream.stop();
      }
    }
    if (signal.aborted) throw aborted();
    // The watch ended (server timeout or expired version): read the object again.
    try {
      const current = await rc.get(name, { signal });
      if (current.metadata?.resourceVersion !== resourceVersion) return current;
      resourceVersion = current.metadata?.resourceVersion;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/** Resolves true once the object (with this uid, when given) is gone; false when `signal` aborts first. */
export async function waitForDeletion(rc: ResourceClient<KubeObject>, name: string, uid: string | undefined, signal: AbortSignal): Promise<boolean> {
  let current: KubeObject | undefined;
  try {
    current = await rc.get(name, { signal });
  } catch (err) {
    if (isNotFound(err)) return true;
    if (signal.aborted) return false;
    throw err;
  }
  while (current && (!uid || current.metadata?.uid === uid)) {
    try {
      current = await nextChange(rc, name, current.metadata?.resourceVersion, signal);
    } catch (err) {
      if (signal.aborted) return false;
      throw err;
    }
  }
  return true;
}

function aborted(): Error {
  const err = new Error('the wait was aborted');
  err.name = 'AbortError';
  return err;
}
