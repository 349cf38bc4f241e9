// A Deployment's rollout history, as kubectl reads it: its ReplicaSets by
// their deployment.kubernetes.io/revision annotation, with the
// kubernetes.io/change-cause annotation; and `rollout undo`'s JSON patch,
// which copies the chosen ReplicaSet's pod template (without the
// pod-template-hash label) and annotations back into the Deployment.

import type { Deployment, PodTemplateSpec, ReplicaSet } from '../../api/generated/index.js';
import { deepEqual } from '../../api/patch/index.js';
import { KubeError } from './errors.js';
import { tabwrite } from './tabwriter.js';
import { revisionOf } from './describe/workloads.js';

export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
const POD_TEMPLATE_HASH = 'pod-template-hash';

/** Annotations `rollout undo` never copies from the ReplicaSet (and keeps on the Deployment). */
const UNDO_SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** ReplicaSets by revision, oldest first (one per revision; the newest ReplicaSet wins a tie). */
export function revisions(rss: ReplicaSet[]): Array<{ revision: number; rs: ReplicaSet }> {
  const byRevision = new Map<number, ReplicaSet>();
  for (const rs of rss) {
    const r = revisionOf(rs);
    if (r === undefined) continue;
    const seen = byRevision.get(r);
    if (!seen || (Date.parse(rs.metadata.creationTimestamp ?? '') || 0) >= (Date.parse(seen.metadata.creationTimestamp ?? '') || 0)) byRevision.set(r, rs);
  }
  return [...byRevision.entries()].sort((a, b) => a[0] - b[0]).map(([revision, rs]) => ({ revision, rs }));
}

/** `REVISION  CHANGE-CAUSE` rows, or kubectl's "No rollout history found." */
export function historyTable(rss: ReplicaSet[]): string {
  const list = revisions(rss);
  if (list.length === 0) return 'No rollout history found.';
  const rows = list.map(({ revision, rs }) => `${revision}\t${rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] ?? '<none>'}`);
  return tabwrite(['REVISION\tCHANGE-CAUSE', ...rows].join('\n') + '\n').trimEnd();
}

/** The ReplicaSet to roll back to: `toRevision`, or (0) the one before the newest. */
export function rollbackTarget(d: Deployment, rss: ReplicaSet[], toRevision: number): { revision: number; rs: ReplicaSet } {
  const list = revisions(rss);
  if (toRevision > 0) {
    const found = list.find((r) => r.revision === toRevision);
    if (!found) throw new KubeError(`unable to find specified revision ${toRevision} in history`);
    return found;
  }
  if (list.length < 2) throw new KubeError(`no rollout history found for deployment "${d.metadata.name ?? ''}"`);
  return list[list.length - 2]!;
}

/** A template without the pod-template-hash label, with empty maps, lists and nulls dropped (how Go's omitempty compares). */
export function normalizeTemplate(template: PodTemplateSpec | undefined): unknown {
  const copy = structuredClone(template ?? {}) as PodTemplateSpec;
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH];
  delete (copy.metadata as Record<string, unknown> | undefined)?.creationTimestamp;
  return prune(copy);
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = prune(v);
    if (p === null || p === undefined) continue;
    if (Array.isArray(p) && p.length === 0) continue;
    if (typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 0 && k !== 'emptyDir') continue;
    out[k] = p;
  }
  return out;
}

export function sameTemplate(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return deepEqual(normalizeTemplate(a), normalizeTemplate(b));
}

/**
 * kubectl's undo patch: replace /spec/template with the ReplicaSet's (hash label removed) and
 * /metadata/annotations with the Deployment's rollout annotations plus the ReplicaSet's others.
 */
export function rollbackPatch(d: Deployment, rs: ReplicaSet): Array<{ op: 'replace'; path: string; value: unknown }> {
  const template = structuredClone(rs.spec?.template ?? {}) as PodTemplateSpec;
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH];
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (UNDO_SKIPPED_ANNOTATIONS.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!UNDO_SKIPPED_ANNOTATIONS.has(k)) annotations[k] = v;
  return [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}
