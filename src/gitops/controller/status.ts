// Writing an Application's status and conditions: a JSON merge patch of only
// what changed (nothing at all when nothing did, so the controller's own writes
// never start a loop), and condition helpers that keep lastTransitionTime.

import type { Application, ApplicationCondition, ApplicationStatus } from '../../api/generated/index.js';
import { createMergePatch, deepEqual, type JsonObject } from '../../api/patch/index.js';
import type { Client } from '../../client/index.js';
export { apiTime as rfc3339 } from '../../util/time.js';

export type ConditionType = 'ComparisonError' | 'SyncError' | 'InvalidSpecError' | 'SyncWarning';

/** Replace the conditions of `types` with `next` (kept time when the message is unchanged). */
export function setConditions(current: ApplicationCondition[] | undefined, types: ConditionType[], next: ApplicationCondition[], now: string): ApplicationCondition[] {
  const kept = (current ?? []).filter((c) => !types.includes(c.type as ConditionType));
  const merged = next.map((c) => {
    const before = (current ?? []).find((o) => o.type === c.type && o.message === c.message);
    return { ...c, lastTransitionTime: before?.lastTransitionTime ?? now };
  });
  return [...kept, ...merged];
}


/**
 * Writes one app's status, always as a patch against the copy it last read or wrote, with
 * that copy's resourceVersion as a precondition: a stale base gets a 409 (and the reconcile
 * is retried) instead of silently undoing someone's newer status.
 */
export class StatusWriter {
  constructor(
    private readonly client: Client,
    public app: Application,
  ) {}

  get status(): ApplicationStatus {
    return this.app.status ?? {};
  }

  /** Make the status `next`; on a conflict (someone patched the spec or operation meanwhile), re-read and patch again. */
  async write(next: ApplicationStatus): Promise<void> {
    const apps = this.client.applications.namespace(this.app.metadata.namespace ?? 'default');
    for (let attempt = 0; ; attempt++) {
      const before = (this.app.status ?? {}) as JsonObject;
      if (deepEqual(stripVolatile(before), stripVolatile(next as JsonObject))) return;
      const patch = createMergePatch(before, next as JsonObject);
      try {
        this.app = await apps.patch(this.app.metadata.name!, { metadata: { resourceVersion: this.app.metadata.resourceVersion }, status: patch }, 'merge', { subresource: 'status' });
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt >= 4) throw err;
        this.app = await apps.get(this.app.metadata.name!);
      }
    }
  }
}

/** One status write against `app` as given (see StatusWriter). */
export async function writeStatus(client: Client, app: Application, next: ApplicationStatus): Promise<Application> {
  const writer = new StatusWriter(client, app);
  await writer.write(next);
  return writer.app;
}

function stripVolatile(status: JsonObject): JsonObject {
  const { reconciledAt: _ignored, ...rest } = status;
  return rest;
}
