// Cascading deletion of an Application (its gitplane.io/resources-finalizer):
// delete everything in its inventory that still carries its tracking id, as
// Argo CD's resources finalizer does; objects marked Delete=false are left.

import type { Application } from '../../api/generated/index.js';
import { isNotFound, type Client } from '../../client/index.js';
import { apiVersionOf, ANNOTATIONS, ARGO_ANNOTATIONS, resourceIdOf, resourceKey, type ResourceId } from '../types.js';
import { trackingIdOf, type LiveCache } from './live-cache.js';

/** Issue deletes; resolves to how many managed objects still exist (0 = done). */
export async function deleteManagedResources(client: Client, live: LiveCache, app: Application): Promise<number> {
  const appKey = `${app.metadata.namespace ?? 'default'}/${app.metadata.name!}`;
  const prefix = `${app.metadata.namespace ?? 'default'}_${app.metadata.name!}:`;
  const entries = app.status?.inventory?.entries ?? [];
  await live.ensure(entries.map((e) => ({ apiVersion: apiVersionOf(e), kind: e.kind })));
  const ids = new Map<string, ResourceId & { apiVersion: string }>();
  for (const e of entries) {
    const id = { group: e.group ?? '', kind: e.kind, namespace: e.namespace ?? '', name: e.name };
    ids.set(resourceKey(id), { ...id, apiVersion: apiVersionOf(e) });
  }
  for (const obj of live.trackedBy(appKey)) ids.set(resourceKey(resourceIdOf(obj)), { ...resourceIdOf(obj), apiVersion: obj.apiVersion });
  let remaining = 0;
  for (const id of ids.values()) {
    const obj = live.get(id);
    if (!obj || !trackingIdOf(obj)?.startsWith(prefix)) continue;
    const options = `${obj.metadata.annotations?.[ANNOTATIONS.syncOptions] ?? ''},${obj.metadata.annotations?.[ARGO_ANNOTATIONS.syncOptions] ?? ''}`;
    if (/\bDelete=false\b/.test(options)) continue;
    remaining++;
    if (obj.metadata.deletionTimestamp) continue;
    const rc = client.resource(id.apiVersion, id.kind);
    await (id.namespace ? rc.namespace(id.namespace) : rc).delete(id.name, { propagationPolicy: 'Background' }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
  return remaining;
}
