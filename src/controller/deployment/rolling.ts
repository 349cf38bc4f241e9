// The RollingUpdate strategy, after kube's rolling.go: grow the new
// ReplicaSet while every ReplicaSet's pods fit under replicas + maxSurge,
// shrink old ones while availability stays at replicas - maxUnavailable —
// first their unhealthy pods, then the oldest — and repeat as ReplicaSet
// status moves. Counts are taken conservatively: a ReplicaSet may still have
// the pods its status reports even after its target went down, and can be
// counted on for no more available pods than its target.

import type { ReplicaSet } from '../../api/generated/index.js';
import type { DeploymentSync } from './sync.js';
import {
  byCreationTimestamp,
  deploymentComplete,
  deploymentReplicas,
  filterActive,
  maxUnavailable,
  newRSNewReplicas,
  rsAvailableLowerBound,
  rsPodsUpperBound,
  rsReplicas,
  sumReplicas,
} from './util.js';

export async function rolloutRolling(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(true);
  const allRSs: ReplicaSet[] = [...oldRSs, ...(newRS ? [newRS] : [])];
  if (newRS && (await reconcileNewReplicaSet(s, allRSs, newRS))) {
    await s.syncRolloutStatus(allRSs, newRS);
    return;
  }
  if (newRS && (await reconcileOldReplicaSets(s, allRSs, filterActive(oldRSs), newRS))) {
    await s.syncRolloutStatus(allRSs, newRS);
    return;
  }
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(oldRSs);
  await s.syncRolloutStatus(allRSs, newRS);
}

/** Scale the new ReplicaSet towards spec.replicas, as far as maxSurge allows. */
export async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const replicas = deploymentReplicas(s.d);
  if (rsReplicas(newRS) === replicas) return false;
  if (rsReplicas(newRS) > replicas) return s.scaleReplicaSetAndRecordEvent(newRS, replicas);
  return s.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(s.d, allRSs, newRS));
}

/** How far old ReplicaSets may shrink now without going under replicas - maxUnavailable. */
export function maxScaledDown(d: DeploymentSync['d'], allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const allPods = allRSs.reduce((n, rs) => n + rsPodsUpperBound(rs), 0);
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const newRSUnavailable = Math.max(0, rsReplicas(newRS) - rsAvailableLowerBound(newRS));
  return allPods - minAvailable - newRSUnavailable;
}

export async function reconcileOldReplicaSets(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (sumReplicas(oldRSs) === 0) return false;
  const budget = maxScaledDown(s.d, allRSs, newRS);
  if (budget <= 0) return false;
  // Unhealthy old pods first: they take nothing away from availability.
  const cleaned = await cleanupUnhealthyReplicas(s, oldRSs, budget);
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(s, [...oldRSs, newRS], oldRSs);
  return cleaned + scaledDown > 0;
}

/** Remove old ReplicaSets' unavailable replicas, oldest ReplicaSet first, at most `budget`. */
export async function cleanupUnhealthyReplicas(s: DeploymentSync, oldRSs: ReplicaSet[], budget: number): Promise<number> {
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= budget) break;
    const replicas = rsReplicas(rs);
    const unhealthy = replicas - rsAvailableLowerBound(rs);
    if (replicas === 0 || unhealthy <= 0) continue;
    const count = Math.min(budget - total, unhealthy);
    await s.scaleReplicaSetAndRecordEvent(rs, replicas - count);
    total += count;
  }
  return total;
}

/** Scale old ReplicaSets down, oldest first, by as many as are available above the minimum. */
export async function scaleDownOldReplicaSetsForRollingUpdate(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = deploymentReplicas(s.d) - maxUnavailable(s.d);
  const available = allRSs.reduce((n, rs) => n + rsAvailableLowerBound(rs), 0);
  if (available <= minAvailable) return 0;
  const budget = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= budget) break;
    const replicas = rsReplicas(rs);
    if (replicas === 0) continue;
    const count = Math.min(replicas, budget - total);
    await s.scaleReplicaSetAndRecordEvent(rs, replicas - count);
    total += count;
  }
  return total;
}
