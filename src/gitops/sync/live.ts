// loadLive: read the live twins a plan needs (desired objects, inventory entries, the
// namespace to create) once, for planSync's synchronous lookup. Missing objects and kinds
// the server does not serve read as undefined.

import { isNotFound, type Client } from '../../client/index.js';
import { apiVersionOf, resourceIdOf, resourceKey, type DesiredObject, type KubeObject, type ResourceId } from '../types.js';
import type { InventoryEntry } from './types.js';

export interface LiveRef extends ResourceId {
  apiVersion: string;
}

/** The refs planSync will look up for this input. */
export function liveRefsFor(desired: DesiredObject[], inventory: InventoryEntry[], createNamespace?: string): LiveRef[] {
  const refs: LiveRef[] = desired.map(({ object }) => ({ ...resourceIdOf(object), apiVersion: object.apiVersion }));
  for (const e of inventory) refs.push({ group: e.group, kind: e.kind, namespace: e.namespace, name: e.name, apiVersion: apiVersionOf(e) });
  if (createNamespace) refs.push({ group: '', kind: 'Namespace', namespace: '', name: createNamespace, apiVersion: 'v1' });
  return refs;
}

/** Reads every ref (8 at a time) and returns the lookup; other read errors throw. */
export async function loadLive(client: Client, refs: LiveRef[]): Promise<(id: ResourceId) => KubeObject | undefined> {
  const found = new Map<string, KubeObject>();
  const unique = [...new Map(refs.map((r) => [resourceKey(r), r])).values()];
  for (let i = 0; i < unique.length; i += 8) {
    await Promise.all(
      unique.slice(i, i + 8).map(async (ref) => {
        let rc;
        try {
          rc = client.resource(ref.apiVersion, ref.kind);
        } catch {
          return; // a kind the server does not serve has no live objects
        }
        try {
          const obj = await (ref.namespace ? rc.namespace(ref.namespace) : rc).get(ref.name);
          found.set(resourceKey(ref), obj);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }),
    );
  }
  return (id) => found.get(resourceKey(id));
}
