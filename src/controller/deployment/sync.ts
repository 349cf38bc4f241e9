// One sync of one Deployment, after kube's sync.go and progress.go: find (or
// create) the new ReplicaSet and keep revisions in step, scale ReplicaSets
// (proportionally during a scaling event), prune old ReplicaSets past
// revisionHistoryLimit, and compute status and the Progressing/Available
// conditions. The strategies (rolling.ts, recreate.ts) are built from these.
//
// A DeploymentSync works on private copies of the cached Deployment and
// ReplicaSets; every write replaces the copy with what the server returned,
// and every write is conditional on the resourceVersion it was based on, so
// a stale cache turns into a conflict and a retry, never a wrong decision.

import type { Deployment, DeploymentStatus, Pod, ReplicaSet } from '../../api/generated/index.js';
import { deepEqual } from '../../api/patch/json.js';
import { isAlreadyExists, isNotFound, type Client, type Lister } from '../../client/index.js';
import type { Clock } from '../../util/clock.js';
import type { EventRecorder } from '../runtime/events.js';
import { controllerRef, newControllerRef } from '../runtime/owner.js';
import { computeHash, POD_TEMPLATE_HASH_LABEL, templatesEqualIgnoringHash } from './hash.js';
import {
  byRevision,
  DEPLOYMENT_AVAILABLE,
  DEPLOYMENT_PROGRESSING,
  DEPLOYMENT_REPLICA_FAILURE,
  deploymentComplete,
  deploymentProgressing,
  deploymentReplicas,
  deploymentTimedOut,
  desiredReplicasAnnotation,
  FAILED_RS_CREATE_REASON,
  filterActive,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  FOUND_NEW_RS_REASON,
  getCondition,
  hasProgressDeadline,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  MIN_REPLICAS_AVAILABLE,
  MIN_REPLICAS_UNAVAILABLE,
  NEW_RS_AVAILABLE_REASON,
  NEW_RS_REASON,
  newCondition,
  newRSNewReplicas,
  PAUSED_DEPLOY_REASON,
  proportionalSizes,
  removeCondition,
  replicasAnnotationsNeedUpdate,
  RESUMED_DEPLOY_REASON,
  REVISION_ANNOTATION,
  revisionOf,
  RS_UPDATED_REASON,
  rsReplicas,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumReplicas,
  sumStatus,
  TIMED_OUT_REASON,
} from './util.js';

export interface SyncDeps {
  client: Client;
  recorder: EventRecorder;
  clock: Clock;
  rsLister: Lister<ReplicaSet>;
}

/** What a sync asks of the work queue when it is done. */
export interface SyncOutcome {
  requeueAfterMs?: number;
  requeue?: boolean;
}

export class DeploymentSync {
  /** Set by syncRolloutStatus when the Deployment must be looked at again to notice a timeout. */
  outcome: SyncOutcome = {};

  constructor(
    private readonly deps: SyncDeps,
    /** A private copy, replaced by the server's answer after each write. */
    public d: Deployment,
    /** Private copies of the ReplicaSets the Deployment controls. */
    public rsList: ReplicaSet[],
    /** Pods of those ReplicaSets, by ReplicaSet uid. */
    readonly podMap: Map<string, Pod[]>,
  ) {}

  get namespace(): string {
    return this.d.metadata?.namespace ?? '';
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private get replicaSets() {
    return this.deps.client.replicaSets.namespace(this.namespace);
  }

  private get deployments() {
    return this.deps.client.deployments.namespace(this.namespace);
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.recorder.event(this.d, type, reason, message);
  }

  /** Replace our copy of `rs` with what the server returned, keeping the object identity. */
  private refresh(rs: ReplicaSet, updated: ReplicaSet): void {
    const target = rs as unknown as Record<string, unknown>;
    for (const key of Object.keys(target)) delete target[key];
    Object.assign(target, structuredClone(updated));
  }

  private refreshDeployment(updated: Deployment): void {
    const fresh = structuredClone(updated);
    fresh.apiVersion ??= 'apps/v1';
    fresh.kind ??= 'Deployment';
    this.d = fresh;
  }

  // ---------------------------------------------------------------------------
  // Writes to the Deployment.

  async updateStatus(status: DeploymentStatus): Promise<void> {
    const updated = await this.deployments.updateStatus({ ...this.d, status });
    this.refreshDeployment(updated);
  }

  /** Record the revision on the Deployment (kube's SetDeploymentRevision), as a patch preconditioned on its resourceVersion. */
  private async setDeploymentRevision(revision: string): Promise<void> {
    if (this.d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    const updated = await this.deployments.patch(
      this.d.metadata.name!,
      { metadata: { resourceVersion: this.d.metadata.resourceVersion, annotations: { [REVISION_ANNOTATION]: revision } } },
      'merge',
    );
    this.refreshDeployment(updated);
  }

  // ---------------------------------------------------------------------------
  // The new ReplicaSet and revisions.

  /**
   * The new ReplicaSet (the one whose template is the Deployment's) and the old ones. The
   * new one's annotations and revision are brought up to date; it is created when missing
   * and `create` is set (kube's getAllReplicaSetsAndSyncRevision).
   */
  async getAllReplicaSetsAndSyncRevision(create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const existing = findNewReplicaSet(this.d, this.rsList);
    const oldRSs = findOldReplicaSets(existing, this.rsList);
    const newRS = await this.getNewReplicaSet(existing, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const desired = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, desired, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      const minReadyNeedsUpdate = (existing.spec?.minReadySeconds ?? 0) !== minReady;
      if (annotationsUpdated || minReadyNeedsUpdate) {
        desired.spec = { ...desired.spec!, minReadySeconds: minReady };
        this.refresh(existing, await this.replicaSets.update(desired));
        return existing;
      }
      await this.setDeploymentRevision(String(revisionOf(existing)));
      // A Deployment that starts caring about progress: note when its new ReplicaSet was found.
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status, DEPLOYMENT_PROGRESSING)) {
        const status = structuredClone(this.d.status ?? {});
        setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'True', FOUND_NEW_RS_REASON, `Found new replica set "${existing.metadata.name}"`, this.now()));
        await this.updateStatus(status);
      }
      return existing;
    }
    if (!create) return undefined;

    // Create it: named after the hash of the template (and collisionCount).
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec?.template ?? {});
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: this.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: d.metadata })],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    newRS.spec!.replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.replicaSets.create(newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        const found = this.deps.rsLister.get(this.namespace, newRS.metadata.name!) ?? (await this.replicaSets.get(newRS.metadata.name!).catch(() => undefined));
        if (found && controllerRef(found)?.uid === d.metadata.uid && templatesEqualIgnoringHash(d.spec?.template, found.spec?.template)) {
          // Ours, from a sync whose result the cache had not shown yet.
          created = found;
          alreadyExisted = true;
        } else {
          // A hash collision with someone else's ReplicaSet: the next name is different.
          const status = structuredClone(d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.updateStatus(status);
          throw err;
        }
      } else {
        const msg = `Failed to create new replica set "${newRS.metadata.name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'False', FAILED_RS_CREATE_REASON, msg, this.now()));
          await this.updateStatus(status).catch(() => undefined);
        }
        this.event('Warning', FAILED_RS_CREATE_REASON, msg);
        throw err;
      }
    }
    const copy = structuredClone(created);
    this.rsList.push(copy);
    const replicas = rsReplicas(copy);
    if (!alreadyExisted && replicas > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${copy.metadata.name} from 0 to ${replicas}`);
    await this.setDeploymentRevision(String(revisionOf(copy) || newRevision));
    if (!alreadyExisted && hasProgressDeadline(this.d)) {
      const status = structuredClone(this.d.status ?? {});
      setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'True', NEW_RS_REASON, `Created new replica set "${copy.metadata.name}"`, this.now()));
      await this.updateStatus(status);
    }
    return copy;
  }

  // ---------------------------------------------------------------------------
  // Scaling.

  async scaleReplicaSetAndRecordEvent(rs: ReplicaSet, newScale: number): Promise<boolean> {
    if (rsReplicas(rs) === newScale) return false;
    return this.scaleReplicaSet(rs, newScale, rsReplicas(rs) < newScale ? 'up' : 'down');
  }

  /** Set rs's size and replica annotations; true when the size changed. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, direction: string): Promise<boolean> {
    const replicas = deploymentReplicas(this.d);
    const max = replicas + maxSurge(this.d);
    const oldScale = rsReplicas(rs);
    const sizeNeedsUpdate = oldScale !== newScale;
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, replicas, max)) return false;
    const desired = structuredClone(rs);
    desired.spec = { ...desired.spec!, replicas: newScale };
    setReplicasAnnotations(desired, replicas, max);
    this.refresh(rs, await this.replicaSets.update(desired));
    if (sizeNeedsUpdate) {
      const op = direction || (newScale > oldScale ? 'up' : 'down');
      this.event('Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata.name} to ${newScale} from ${oldScale}`);
    }
    return sizeNeedsUpdate;
  }

  /**
   * A scaling event (or a paused Deployment): resize without rolling (kube's scale). One
   * active ReplicaSet takes the whole count; a saturated new one means the old go to 0;
   * otherwise a rolling Deployment spreads the change over its ReplicaSets in proportion
   * to their sizes, so a scale during a rollout neither hastens nor slows it.
   */
  async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const replicas = deploymentReplicas(this.d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      await this.scaleReplicaSet(activeOrLatest, replicas, rsReplicas(activeOrLatest) < replicas ? 'up' : 'down');
      return;
    }
    if (isSaturated(this.d, newRS)) {
      for (const old of filterActive(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0);
      return;
    }
    if (!isRollingUpdate(this.d)) return;
    const active = filterActive([...oldRSs, newRS]);
    const { sizes, direction } = proportionalSizes(this.d, active);
    for (const rs of active) await this.scaleReplicaSet(rs, sizes.get(rs.metadata.name ?? '') ?? rsReplicas(rs), direction);
  }

  /** Is this a change of spec.replicas rather than of the template (kube's isScalingEvent)? */
  async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    const replicas = deploymentReplicas(this.d);
    for (const rs of filterActive([newRS, ...oldRSs])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== replicas) return true;
    }
    return false;
  }

  /** Delete old ReplicaSets with nothing left in them beyond revisionHistoryLimit, oldest revisions first. */
  async cleanupDeployment(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    const sorted = [...alive].sort(byRevision);
    for (let i = 0; i < diff; i++) {
      const rs = sorted[i];
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.replicaSets.delete(rs.metadata.name!, { preconditions: { uid: rs.metadata.uid }, propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.rsList = this.rsList.filter((x) => x.metadata.uid !== rs.metadata.uid);
    }
  }

  // ---------------------------------------------------------------------------
  // Status.

  /** kube's calculateStatus: counts from the ReplicaSets, and the Available condition. */
  calculateStatus(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): DeploymentStatus {
    const rss = allRSs.filter((rs): rs is ReplicaSet => rs !== undefined);
    const available = sumStatus(rss, 'availableReplicas');
    const total = sumReplicas(rss);
    const status: DeploymentStatus = {
      observedGeneration: this.d.metadata.generation,
      replicas: sumStatus(rss, 'replicas'),
      updatedReplicas: sumStatus([newRS], 'replicas'),
      readyReplicas: sumStatus(rss, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
      ...(this.d.status?.collisionCount !== undefined ? { collisionCount: this.d.status.collisionCount } : {}),
      ...(this.d.status?.conditions ? { conditions: structuredClone(this.d.status.conditions) } : {}),
    };
    const now = this.now();
    if (available >= deploymentReplicas(this.d) - maxUnavailable(this.d)) {
      setCondition(status, newCondition(DEPLOYMENT_AVAILABLE, 'True', MIN_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
    } else {
      setCondition(status, newCondition(DEPLOYMENT_AVAILABLE, 'False', MIN_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
    }
    return status;
  }

  /** Status without progress estimation (paused Deployments, scaling events, deletion). */
  async syncDeploymentStatus(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS);
    if (deepEqual(this.d.status ?? {}, status)) return;
    await this.updateStatus(status);
  }

  /**
   * Status with the Progressing condition (kube's syncRolloutStatus): complete when every
   * replica is updated and available; progressing (its lastUpdateTime moved to now) when
   * anything moved; timed out after progressDeadlineSeconds without progress. When the
   * status does not change, the Deployment is requeued for when it would time out.
   */
  async syncRolloutStatus(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): Promise<void> {
    const d = this.d;
    const status = this.calculateStatus(allRSs, newRS);
    const now = this.now();
    if (!hasProgressDeadline(d)) removeCondition(status, DEPLOYMENT_PROGRESSING);
    const current = getCondition(status, DEPLOYMENT_PROGRESSING);
    const isComplete = status.replicas === status.updatedReplicas && current?.reason === NEW_RS_AVAILABLE_REASON;
    if (hasProgressDeadline(d) && !isComplete) {
      if (deploymentComplete(d, status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
        setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, msg, now));
      } else if (deploymentProgressing(d, status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
        const cond = newCondition(DEPLOYMENT_PROGRESSING, 'True', RS_UPDATED_REASON, msg, now);
        // Progress moves lastUpdateTime; the transition time stays while the status is True.
        if (current) {
          if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, DEPLOYMENT_PROGRESSING);
        }
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, now)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
        setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'False', TIMED_OUT_REASON, msg, now));
      }
    }
    // ReplicaFailure mirrors the new ReplicaSet's.
    const failure = newRS?.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    if (failure) {
      setCondition(status, {
        type: DEPLOYMENT_REPLICA_FAILURE,
        status: failure.status,
        reason: failure.reason,
        message: failure.message,
        lastTransitionTime: failure.lastTransitionTime,
        lastUpdateTime: failure.lastTransitionTime,
      });
    } else {
      removeCondition(status, DEPLOYMENT_REPLICA_FAILURE);
    }
    if (deepEqual(d.status ?? {}, status)) {
      this.requeueStuckDeployment(status);
      return;
    }
    await this.updateStatus(status);
  }

  /** When the rollout may time out, look again then (kube's requeueStuckDeployment). */
  private requeueStuckDeployment(status: DeploymentStatus): void {
    const d = this.d;
    const current = getCondition(d.status, DEPLOYMENT_PROGRESSING);
    if (!hasProgressDeadline(d) || !current) return;
    if (deploymentComplete(d, status) || current.reason === TIMED_OUT_REASON) return;
    const from = current.lastUpdateTime ? Date.parse(current.lastUpdateTime) : NaN;
    if (Number.isNaN(from)) return;
    const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - this.now();
    if (after < 1000) this.outcome = { requeue: true };
    else this.outcome = { requeueAfterMs: after + 1000 };
  }

  /** Progressing=Unknown with DeploymentPaused / DeploymentResumed as spec.paused flips. */
  async checkPausedConditions(): Promise<void> {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, DEPLOYMENT_PROGRESSING);
    const pausedCondExists = cond?.reason === PAUSED_DEPLOY_REASON;
    const status = structuredClone(d.status ?? {});
    if (d.spec?.paused && !pausedCondExists) {
      setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused', this.now()));
    } else if (!d.spec?.paused && pausedCondExists) {
      setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed', this.now()));
    } else {
      return;
    }
    await this.updateStatus(status);
  }

  /** Scaling only: paused Deployments and scaling events (kube's sync). */
  async sync(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanupDeployment(oldRSs);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** Only status: a Deployment being deleted. */
  async syncStatusOnly(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }
}
