// Claiming dependents by selector, after kube's controller_ref_manager: an
// owner keeps what it controls and still selects, adopts orphans it selects
// (setting itself as their controller), releases what it controls but no
// longer selects, and never touches what another controller owns. Adoption
// first re-reads the owner from the API server, so an owner that was just
// deleted (or replaced by a namesake) adopts nothing.

import type { Selector } from '../../api/labels.js';
import { isNotFound } from '../../client/index.js';
import { StatusError } from '../../api/status.js';
import { controllerRef, newControllerRef, type OwnerReference } from '../runtime/owner.js';

export interface Claimable {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: OwnerReference[];
  };
}

export interface ClaimOwner {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string };
}

/** The writes claiming needs: strategic merge patches of one dependent's metadata. */
export interface ClaimClient {
  patch(namespace: string, name: string, patch: unknown): Promise<unknown>;
}

export interface ClaimOptions {
  owner: ClaimOwner;
  selector: Selector;
  client: ClaimClient;
  /** A fresh read of the owner (not from the cache), checked once before the first adoption. */
  getFreshOwner(): Promise<ClaimOwner | undefined>;
}

/** The patch that makes `owner` the controller of an object with `uid`. */
export function adoptPatch(owner: ClaimOwner, uid: string | undefined): unknown {
  return { metadata: { ownerReferences: [newControllerRef(owner)], uid } };
}

/** The patch that removes `ownerUid` from the owner references of an object with `uid`. */
export function releasePatch(ownerUid: string | undefined, uid: string | undefined): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid } };
}

function ignorable(err: unknown): boolean {
  // Gone, or replaced by a namesake (the uid precondition failed): nothing to do.
  return isNotFound(err) || (err instanceof StatusError && (err.code === 409 || err.code === 422));
}

/**
 * The objects `owner` controls after claiming: those it already controls and still
 * selects, plus the orphans it adopted. Throws (after trying every object) when an
 * adoption or release failed for a reason other than the object being gone.
 */
export async function claimObjects<T extends Claimable>(objects: T[], opts: ClaimOptions): Promise<T[]> {
  const { owner, selector, client } = opts;
  const ownerUid = owner.metadata?.uid;
  const ownerDeleting = !!owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<void> | undefined;
  const canAdopt = (): Promise<void> =>
    (adoptable ??= (async () => {
      const fresh = await opts.getFreshOwner();
      if (!fresh || fresh.metadata?.uid !== ownerUid) {
        throw new Error(`original ${owner.kind} ${owner.metadata?.namespace}/${owner.metadata?.name} is gone: got uid ${fresh?.metadata?.uid}, wanted ${ownerUid}`);
      }
      if (fresh.metadata?.deletionTimestamp) {
        throw new Error(`${owner.kind} ${owner.metadata?.namespace}/${owner.metadata?.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
      }
    })());

  const work: Array<Promise<void>> = [];
  for (const obj of objects) {
    const meta = obj.metadata ?? {};
    const ref = controllerRef(obj);
    const matches = selector.matches(meta.labels);
    if (ref) {
      if (ref.uid !== ownerUid) continue; // someone else's
      if (matches) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue; // the garbage collector will deal with it
      work.push(
        client.patch(meta.namespace ?? '', meta.name ?? '', releasePatch(ownerUid, meta.uid)).then(
          () => undefined,
          (err: unknown) => {
            if (!ignorable(err)) errors.push(err);
          },
        ),
      );
      continue;
    }
    // An orphan.
    if (ownerDeleting || !matches || meta.deletionTimestamp) continue;
    work.push(
      (async () => {
        try {
          await canAdopt();
          const adopted = (await client.patch(meta.namespace ?? '', meta.name ?? '', adoptPatch(owner, meta.uid))) as T;
          claimed.push(adopted ?? obj);
        } catch (err) {
          if (!ignorable(err)) errors.push(err);
        }
      })(),
    );
  }
  await Promise.all(work);
  if (errors.length > 0) {
    const first = errors[0] as Error;
    throw errors.length === 1 ? first : new Error(`claiming failed: ${errors.map((e) => (e as Error).message ?? String(e)).join('; ')}`);
  }
  return claimed;
}
