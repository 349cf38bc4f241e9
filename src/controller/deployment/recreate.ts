// The Recreate strategy, after kube's recreate.go: scale every old
// ReplicaSet to 0, wait until none of their pods is left running (the pod
// cache only forgets a pod once it is gone), then create the new ReplicaSet
// at full size.

import type { Pod, ReplicaSet } from '../../api/generated/index.js';
import type { DeploymentSync } from './sync.js';
import { deploymentComplete, deploymentReplicas, filterActive } from './util.js';

export async function rolloutRecreate(s: DeploymentSync): Promise<void> {
  let { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(false);
  let allRSs: Array<ReplicaSet | undefined> = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) {
    if (await s.scaleReplicaSetAndRecordEvent(rs, 0)) scaledDown = true;
  }
  if (scaledDown) {
    await s.syncRolloutStatus(allRSs, newRS);
    return;
  }
  if (oldPodsRunning(newRS, oldRSs, s.podMap)) {
    await s.syncRolloutStatus(allRSs, newRS);
    return;
  }
  if (!newRS) {
    ({ newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS) await s.scaleReplicaSetAndRecordEvent(newRS, deploymentReplicas(s.d));
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(oldRSs);
  await s.syncRolloutStatus(allRSs, newRS);
}

/** Whether any old ReplicaSet still reports pods, or any of their pods has not finished. */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
  if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
