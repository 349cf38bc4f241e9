// The ReplicaSet controller, after kube's pkg/controller/replicaset: keeps
// spec.replicas active pods for every ReplicaSet. Event handlers only enqueue
// "ns/name" (and count the creations and deletions the controller is waiting
// for); syncReplicaSet(key) reads the informer caches, claims pods, creates
// or deletes the difference in slow-start batches, and writes status.
//
// Expectations make a lagging cache safe: after issuing N creates (or
// deletes) the controller does not count pods again until its informer has
// seen those N events, so it never creates twice for the same gap.

import type { Pod, ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from '../../api/generated/index.js';
import { selectorFromLabelSelector, selectorFromSet, type Selector } from '../../api/labels.js';
import { deepEqual } from '../../api/patch/json.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, type Lister, type ReconcileResult, type SharedIndexInformer } from '../../client/index.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { Expectations } from '../runtime/expectations.js';
import { controllerRef, newControllerRef, type OwnerReference } from '../runtime/owner.js';
import { keyOf, QueueController, splitKey } from '../runtime/queue-controller.js';
import { claimObjects } from './claim.js';
import { isPodActive, isPodAvailable, isPodReady, nextAvailableInMs, podFromTemplate, podsToDelete } from './pod-util.js';
import { apiTime as timestamp } from '../../util/time.js';

export interface ReplicaSetControllerOptions {
  /** Parallel syncs (different ReplicaSets). Default 5. */
  workers?: number;
  /** At most this many pods created or deleted per sync (kube: 500). */
  burstReplicas?: number;
}

export const REPLICA_SET_CONTROLLER_NAME = 'replicaset-controller';
const DEFAULT_BURST_REPLICAS = 500;
/** kube's SlowStartInitialBatchSize: creates go 1, 2, 4, 8, … at a time, stopping at the first failure. */
const SLOW_START_INITIAL_BATCH_SIZE = 1;


function podKey(pod: Pod): string {
  return keyOf(pod);
}

/**
 * Runs `count` calls of `fn` in batches of 1, 2, 4, … (kube's slowStartBatch), so a
 * template that cannot be created fails once rather than `count` times. Returns how many
 * calls succeeded and the first error, if any (no batch starts after a failed one).
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    let error: unknown;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else error ??= r.reason;
    }
    if (error !== undefined) return { successes, error };
    remaining -= batch;
  }
  return { successes };
}

class ReplicaSetController {
  readonly queue: QueueController;
  private readonly expectations: Expectations;
  /** Pods each ReplicaSet is waiting to see deleted, so a deletion is counted once. */
  private readonly pendingDeletions = new Map<string, Set<string>>();
  private readonly rsInformer: SharedIndexInformer<ReplicaSet>;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly podLister: Lister<Pod>;
  private readonly burstReplicas: number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: ReplicaSetControllerOptions,
  ) {
    this.expectations = new Expectations(ctx.clock);
    this.burstReplicas = opts.burstReplicas ?? DEFAULT_BURST_REPLICAS;
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>('apps/v1', 'ReplicaSet');
    this.podInformer = ctx.informers.informerFor<Pod>('v1', 'Pod');
    this.rsLister = this.rsInformer.lister();
    this.podLister = this.podInformer.lister();
    this.queue = new QueueController({
      name: REPLICA_SET_CONTROLLER_NAME,
      ctx,
      workers: opts.workers ?? 5,
      reconcile: async (key) => {
        try {
          return await this.syncReplicaSet(key);
        } catch (err) {
          // A claim or status write raced a newer version: look again, after a backoff.
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      },
      setup: (enqueue, self) => this.setup(enqueue, self),
    });
  }

  // ---------------------------------------------------------------------------
  // Event handlers: enqueue keys and count what the controller is waiting for.

  private setup(enqueue: (key: string) => void, self: QueueController): void {
    this.rsInformer.addEventHandler({
      onAdd: (rs) => enqueue(keyOf(rs)),
      onUpdate: (_old, cur) => enqueue(keyOf(cur)),
      onDelete: (obj) => {
        const rs = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        const key = keyOf(rs);
        this.expectations.delete(key);
        this.pendingDeletions.delete(key);
        enqueue(key);
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => {
        if (pod.metadata?.deletionTimestamp) {
          // Restarted controller, or a pod created with a deletion already pending.
          this.podGone(pod, enqueue);
          return;
        }
        const ref = controllerRef(pod);
        if (ref) {
          const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
          if (!rs) return;
          const key = keyOf(rs);
          this.expectations.creationObserved(key);
          enqueue(key);
          return;
        }
        // An orphan: every ReplicaSet that selects it may adopt it.
        for (const rs of this.replicaSetsSelecting(pod)) enqueue(keyOf(rs));
      },
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return; // resync
        const labelsChanged = !deepEqual(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {});
        if (cur.metadata?.deletionTimestamp) {
          // Graceful deletion: the pod no longer counts, so treat this as its deletion now.
          this.podGone(cur, enqueue);
          if (labelsChanged) this.podGone(old, enqueue);
          return;
        }
        const namespace = cur.metadata?.namespace ?? '';
        const curRef = controllerRef(cur);
        const oldRef = controllerRef(old);
        const refChanged = !deepEqual(curRef ?? null, oldRef ?? null);
        if (refChanged && oldRef) {
          const rs = this.resolveControllerRef(namespace, oldRef);
          if (rs) enqueue(keyOf(rs));
        }
        if (curRef) {
          const rs = this.resolveControllerRef(namespace, curRef);
          if (!rs) return;
          enqueue(keyOf(rs));
          // Availability changes minReadySeconds after readiness: look again then.
          const minReady = rs.spec?.minReadySeconds ?? 0;
          if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) self.enqueueAfter(keyOf(rs), minReady * 1000 + 100);
          return;
        }
        if (labelsChanged || refChanged) for (const rs of this.replicaSetsSelecting(cur)) enqueue(keyOf(rs));
      },
      onDelete: (obj) => {
        const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        this.podGone(pod, enqueue);
      },
    });
  }

  /** A pod went away (or started terminating): count it once against its owner's expectations. */
  private podGone(pod: Pod, enqueue: (key: string) => void): void {
    const ref = controllerRef(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (!rs) return;
    const key = keyOf(rs);
    this.deletionObserved(key, podKey(pod));
    enqueue(key);
  }

  private deletionObserved(rsKey: string, key: string): void {
    const pending = this.pendingDeletions.get(rsKey);
    if (pending?.delete(key)) this.expectations.deletionObserved(rsKey);
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference): ReplicaSet | undefined {
    if (ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsLister.get(namespace, ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  private replicaSetsSelecting(pod: Pod): ReplicaSet[] {
    const labels = pod.metadata?.labels;
    if (!labels) return [];
    return this.rsLister
      .namespace(pod.metadata?.namespace ?? '')
      .list()
      .filter((rs) => {
        const selector = safeSelector(rs);
        return selector !== undefined && !selector.empty() && selector.matches(labels);
      });
  }

  // ---------------------------------------------------------------------------
  // The sync.

  async syncReplicaSet(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const rs = this.rsLister.get(namespace, name);
    if (!rs) {
      this.expectations.delete(key);
      this.pendingDeletions.delete(key);
      return;
    }
    const selector = safeSelector(rs);
    if (!selector) {
      this.ctx.log.error(`${REPLICA_SET_CONTROLLER_NAME}: ReplicaSet ${key} has an invalid selector`);
      return; // retrying will not help; an update enqueues it again
    }
    const needsSync = this.expectations.satisfied(key) && !rs.metadata?.deletionTimestamp;

    // Every active pod in the namespace, so orphans can be adopted; then claim.
    const active = this.podLister.namespace(namespace).list().filter(isPodActive);
    const pods = await claimObjects(active, {
      owner: rs,
      selector,
      client: { patch: (ns, podName, patch) => this.ctx.client.pods.namespace(ns).patch(podName, patch, 'strategic') },
      getFreshOwner: async () => {
        try {
          return await this.ctx.client.replicaSets.namespace(namespace).get(name);
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
    });

    let manageErr: unknown;
    if (needsSync) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (err) {
        manageErr = err;
      }
    }
    const now = this.ctx.clock.now();
    const status = calculateReplicaSetStatus(rs, pods, manageErr, now);
    await this.updateStatus(rs, status);
    if (manageErr !== undefined) throw manageErr;
    const wait = nextAvailableInMs(pods, rs.spec?.minReadySeconds ?? 0, now);
    return wait !== undefined ? { requeueAfterMs: wait + 20 } : undefined;
  }

  private async manageReplicas(key: string, rs: ReplicaSet, pods: Pod[]): Promise<void> {
    const namespace = rs.metadata?.namespace ?? '';
    const desired = rs.spec?.replicas ?? 1;
    const diff = pods.length - desired;
    if (diff < 0) {
      const count = Math.min(-diff, this.burstReplicas);
      this.expectations.expect(key, count, 0);
      const owner = newControllerRef({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: rs.metadata });
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, () => this.createPod(rs, namespace, owner));
      // What failed or never started will not be observed.
      const skipped = count - successes;
      if (skipped > 0) this.expectations.lowerExpectations(key, skipped, 0);
      if (error !== undefined) throw error;
    } else if (diff > 0) {
      const count = Math.min(diff, this.burstReplicas);
      const victims = podsToDelete(pods, this.relatedPods(rs), count, this.ctx.clock.now());
      this.pendingDeletions.set(key, new Set(victims.map(podKey)));
      this.expectations.expect(key, 0, victims.length);
      const errors: unknown[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          const podName = pod.metadata?.name ?? '';
          try {
            await this.ctx.client.pods.namespace(namespace).delete(podName, { preconditions: { uid: pod.metadata?.uid } });
            this.ctx.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
          } catch (err) {
            this.deletionObserved(key, podKey(pod));
            if (!isNotFound(err)) {
              this.ctx.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
              errors.push(err);
            }
          }
        }),
      );
      if (errors.length > 0) throw errors[0];
    }
  }

  private async createPod(rs: ReplicaSet, namespace: string, owner: OwnerReference): Promise<void> {
    const pod = podFromTemplate(rs.spec?.template, namespace, rs.metadata?.name ?? '', owner);
    try {
      const created = await this.ctx.client.pods.namespace(namespace).create(pod);
      this.ctx.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    } catch (err) {
      this.ctx.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  /**
   * Pods of the ReplicaSets that share this one's owner (the Deployment's other
   * revisions), for ranking: pods doubled up on a node are deleted first.
   */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const namespace = rs.metadata?.namespace ?? '';
    const owner = controllerRef(rs);
    const family = new Set<string>([rs.metadata?.uid ?? '']);
    if (owner) {
      for (const other of this.rsLister.namespace(namespace).list()) {
        if (controllerRef(other)?.uid === owner.uid) family.add(other.metadata?.uid ?? '');
      }
    }
    return this.podLister
      .namespace(namespace)
      .list()
      .filter((p) => family.has(controllerRef(p)?.uid ?? '\0'));
  }

  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
    if (statusEqual(rs.status, status)) return rs;
    const client = this.ctx.client.replicaSets.namespace(rs.metadata?.namespace ?? '');
    let current = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await client.updateStatus({ ...current, status });
      } catch (err) {
        if (!isConflict(err) || attempt >= 1) throw err;
        // The cache was behind: retry once on the live object.
        current = await client.get(rs.metadata?.name ?? '');
        if (current.metadata?.uid !== rs.metadata?.uid) return current;
      }
    }
  }
}

function safeSelector(rs: ReplicaSet): Selector | undefined {
  try {
    return selectorFromLabelSelector(rs.spec?.selector);
  } catch {
    return undefined;
  }
}

function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  const norm = (s: ReplicaSetStatus | undefined): unknown => {
    const out: Record<string, unknown> = { ...(s ?? {}) };
    if (Array.isArray(out.conditions) && out.conditions.length === 0) delete out.conditions;
    for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'replicas']) if (out[k] === 0) delete out[k];
    return out;
  };
  return deepEqual(norm(a), norm(b));
}

/** The status a sync writes (kube's calculateStatus). */
export function calculateReplicaSetStatus(rs: ReplicaSet, pods: Pod[], manageErr: unknown, now: number): ReplicaSetStatus {
  const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) ready++;
    if (isPodAvailable(pod, minReady, now)) available++;
  }
  let conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageErr !== undefined && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: timestamp(now),
      reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
      message: (manageErr as Error)?.message ?? String(manageErr),
    });
  } else if (manageErr === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    ...(rs.metadata?.generation !== undefined ? { observedGeneration: rs.metadata.generation } : {}),
    ...(conditions.length > 0 ? { conditions } : {}),
  };
}

/** The ReplicaSet controller (kube's replicaset-controller). */
export function newReplicaSetController(ctx: ControllerContext, opts: ReplicaSetControllerOptions = {}): Controller {
  return new ReplicaSetController(ctx, opts).queue;
}
