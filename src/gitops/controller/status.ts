// Writing an Application's status and conditions: a JSON merge patch of only
// what changed (nothing at all when nothing did, so the controller's own writes
// never start a loop), and condition helpers that keep lastTransitionTime.

import type { Application, ApplicationCondition, ApplicationStatus } from '../../api/generated/index.js';
import { createMergePatch, deepEqual, type JsonObject } from '../../api/patch/index.js';
import type { Client } from '../../client/index.js';

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

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Patch status to `next`; returns the updated app (or the same one when nothing changed). */
export async function writeStatus(client: Client, app: Application, next: ApplicationStatus): Promise<Application> {
  const before = (app.status ?? {}) as JsonObject;
  if (deepEqual(stripVolatile(before), stripVolatile(next as JsonObject))) return app;
  const patch = createMergePatch(before, next as JsonObject);
  return client.applications
    .namespace(app.metadata.namespace ?? 'default')
    .patch(app.metadata.name!, { status: patch }, 'merge', { subresource: 'status' });
}

function stripVolatile(status: JsonObject): JsonObject {
  const { reconciledAt: _ignored, ...rest } = status;
  return rest;
}
