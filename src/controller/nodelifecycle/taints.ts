// Taints and tolerations as the node lifecycle controller needs them, after
// kube's v1helper (ToleratesTaint, GetMatchingTolerations), the taint
// manager's getMinTolerationTime, the DefaultTolerationSeconds admission
// plugin, and the controller's condition → taint table.

import type { Node, NodeCondition, Pod, Taint, Toleration } from '../../api/generated/index.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** Condition type and status → the NoSchedule taint it implies (nodeConditionToTaintKeyStatusMap). */
const CONDITION_TAINTS: Array<{ type: string; status: NodeCondition['status']; key: string }> = [
  { type: 'Ready', status: 'False', key: TAINT_NOT_READY },
  { type: 'Ready', status: 'Unknown', key: TAINT_UNREACHABLE },
  { type: 'MemoryPressure', status: 'True', key: TAINT_MEMORY_PRESSURE },
  { type: 'DiskPressure', status: 'True', key: TAINT_DISK_PRESSURE },
  { type: 'NetworkUnavailable', status: 'True', key: TAINT_NETWORK_UNAVAILABLE },
  { type: 'PIDPressure', status: 'True', key: TAINT_PID_PRESSURE },
];

const MANAGED_NO_SCHEDULE = new Set([...CONDITION_TAINTS.map((c) => c.key), TAINT_UNSCHEDULABLE]);
const MANAGED_NO_EXECUTE = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);

export function condition(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** Toleration.ToleratesTaint. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  // An empty key with operator Exists matches every taint.
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/**
 * GetMatchingTolerations: whether every taint is tolerated, and for each taint the first
 * toleration that tolerates it.
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): { all: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!t) return { all: false, used: [] };
    used.push(t);
  }
  return { all: true, used };
}

/**
 * The taint manager's getMinTolerationTime, in ms: the shortest tolerationSeconds among the
 * tolerations used (0 when one is zero or negative), or -1 when all tolerate forever.
 */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

/**
 * A pod's tolerations with what the DefaultTolerationSeconds admission plugin would add: a
 * not-ready and an unreachable NoExecute toleration for `seconds`, each unless the pod
 * already tolerates that taint.
 */
export function effectiveTolerations(pod: Pod, seconds: number): Toleration[] {
  const tolerations = [...(pod.spec?.tolerations ?? [])];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    const taint: Taint = { key, effect: 'NoExecute' };
    if (!tolerations.some((t) => toleratesTaint(t, taint))) {
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
    }
  }
  return tolerations;
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/**
 * The taints a node should have, given its conditions: the controller's NoExecute taints
 * (not-ready when Ready=False, unreachable when Unknown, neither when True; untouched when
 * there is no Ready condition yet) and NoSchedule taints (one per condition in the table,
 * plus unschedulable), everything else kept. Taints that stay keep their timeAdded; new
 * NoExecute taints get `now`.
 */
export function desiredTaints(node: Node, now: string): Taint[] {
  const current = node.spec?.taints ?? [];
  const wanted: Taint[] = [];
  const ready = condition(node, 'Ready');
  for (const c of CONDITION_TAINTS) {
    if (condition(node, c.type)?.status === c.status) wanted.push({ key: c.key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) wanted.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  const manageNoExecute = ready !== undefined;
  if (ready?.status === 'False') wanted.push({ key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: now });
  if (ready?.status === 'Unknown') wanted.push({ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: now });

  const managed = (t: Taint): boolean =>
    (t.effect === 'NoSchedule' && MANAGED_NO_SCHEDULE.has(t.key)) || (manageNoExecute && t.effect === 'NoExecute' && MANAGED_NO_EXECUTE.has(t.key));
  const result = current.filter((t) => !managed(t));
  for (const w of wanted) {
    if (result.some((t) => sameTaint(t, w))) continue; // an unmanaged copy (e.g. NoExecute before Ready was posted)
    const existing = current.find((t) => sameTaint(t, w));
    result.push(existing ?? w);
  }
  return result;
}

/** Whether two taint lists hold the same (key, effect, value) set. */
export function sameTaints(a: readonly Taint[] | undefined, b: readonly Taint[] | undefined): boolean {
  const key = (t: Taint): string => `${t.key}\u0000${t.effect}\u0000${t.value ?? ''}`;
  const sa = new Set((a ?? []).map(key));
  const sb = new Set((b ?? []).map(key));
  return sa.size === sb.size && [...sa].every((k) => sb.has(k));
}

export function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}
