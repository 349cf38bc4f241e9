// What the workload controllers need to know about pods, after kube's
// podutil and controller_utils: readiness and availability (ready for
// minReadySeconds), which pods count (not terminal, not terminating), the
// order in which to delete them (ActivePodsWithRanks), and a pod made from
// a template.

import type { Pod, PodTemplateSpec } from '../../api/generated/index.js';
import type { OwnerReference } from '../runtime/owner.js';

/** The pod's Ready condition, if any. */
export function podReadyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** When the pod became ready (ms), or undefined when it is not ready or the time is unknown. */
export function podReadySince(pod: Pod): number | undefined {
  const cond = podReadyCondition(pod);
  if (cond?.status !== 'True' || !cond.lastTransitionTime) return undefined;
  const t = Date.parse(cond.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Ready for at least minReadySeconds at `now` (kube's IsPodAvailable). A ready pod with no
 * transition time counts as available only when minReadySeconds is 0.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = podReadySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

/**
 * How long until a ready-but-not-yet-available pod becomes available; undefined when none
 * is waiting. Used to requeue exactly when availability can change.
 */
export function nextAvailableInMs(pods: Pod[], minReadySeconds: number, now: number): number | undefined {
  if (!minReadySeconds) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    const since = podReadySince(pod);
    if (since === undefined) continue;
    const wait = since + minReadySeconds * 1000 - now;
    if (wait > 0 && (next === undefined || wait < next)) next = wait;
  }
  return next;
}

export function isPodTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

/** Not Succeeded, not Failed, not being deleted (kube's IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !isPodTerminating(pod);
}

function creationTime(pod: Pod): number | undefined {
  const t = pod.metadata?.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

function restartCount(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((max, c) => Math.max(max, c.restartCount ?? 0), 0);
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Sorts pods so that the ones it is cheapest to lose come first, as kube's
 * ActivePodsWithRanks does: unscheduled before scheduled; Pending before Unknown before
 * Running; not ready before ready; pods doubled up on a node (higher rank) first; ready for
 * less time before ready for longer; more container restarts first; newer before older.
 * `rank` gives each pod's rank (the number of related pods on its node).
 */
export function comparePodsForDeletion(rank: (pod: Pod) => number, now: number): (a: Pod, b: Pod) => number {
  return (a, b) => {
    const aAssigned = !!a.spec?.nodeName;
    const bAssigned = !!b.spec?.nodeName;
    if (aAssigned !== bAssigned) return aAssigned ? 1 : -1;
    const aPhase = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
    const bPhase = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
    if (aPhase !== bPhase) return aPhase - bPhase;
    const aReady = isPodReady(a);
    const bReady = isPodReady(b);
    if (aReady !== bReady) return aReady ? 1 : -1;
    const aRank = rank(a);
    const bRank = rank(b);
    if (aRank !== bRank) return bRank - aRank;
    if (aReady && bReady) {
      // Ready for less time first; an unknown ready time counts as "just now".
      const aSince = podReadySince(a) ?? now;
      const bSince = podReadySince(b) ?? now;
      if (aSince !== bSince) return bSince - aSince;
    }
    const aRestarts = restartCount(a);
    const bRestarts = restartCount(b);
    if (aRestarts !== bRestarts) return bRestarts - aRestarts;
    const aCreated = creationTime(a);
    const bCreated = creationTime(b);
    if (aCreated !== bCreated) {
      if (aCreated === undefined) return -1;
      if (bCreated === undefined) return 1;
      return bCreated - aCreated;
    }
    // Same second: the later name (generateName suffixes are random) is as good as any,
    // but keep the order deterministic.
    return (b.metadata?.name ?? '') < (a.metadata?.name ?? '') ? -1 : (b.metadata?.name ?? '') > (a.metadata?.name ?? '') ? 1 : 0;
  };
}

/**
 * The `count` pods to delete from `pods`: ranked against `related` (pods of the same
 * owner family), so pods doubled up on a node go first.
 */
export function podsToDelete(pods: Pod[], related: Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node && isPodActive(p)) onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const rank = (p: Pod): number => (p.spec?.nodeName ? (onNode.get(p.spec.nodeName) ?? 0) : 0);
  return [...pods].sort(comparePodsForDeletion(rank, now)).slice(0, count);
}

/** A pod for a controller to create from its template (kube's GetPodFromTemplate). */
export function podFromTemplate(template: PodTemplateSpec | undefined, namespace: string, namePrefix: string, owner: OwnerReference): Pod {
  const meta = template?.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${namePrefix}-`,
      namespace,
      ownerReferences: [owner],
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
    },
    spec: structuredClone(template?.spec ?? { containers: [] }) as Pod['spec'],
  };
  return pod;
}
