// The Deployment controller, after kube's pkg/controller/deployment: event
// handlers only enqueue the Deployment a change concerns; syncDeployment(key)
// claims the ReplicaSets the Deployment selects and then, from the cache:
// a Deployment being deleted only gets status; a paused one, or one whose
// replicas changed, is scaled (proportionally) without rolling; otherwise
// its strategy (RollingUpdate or Recreate) takes the next step. Each step is
// recomputed from scratch, so any sync can be interrupted or repeated.

import type { Deployment, Pod, ReplicaSet } from '../../api/generated/index.js';
import { selectorFromLabelSelector, type Selector } from '../../api/labels.js';
import { deepEqual } from '../../api/patch/json.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, type Lister, type ReconcileResult, type SharedIndexInformer } from '../../client/index.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { controllerRef, type OwnerReference } from '../runtime/owner.js';
import { keyOf, QueueController, splitKey } from '../runtime/queue-controller.js';
import { claimObjects } from '../replicaset/claim.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { DeploymentSync } from './sync.js';

export interface DeploymentControllerOptions {
  /** Parallel syncs (different Deployments). Default 5. */
  workers?: number;
}

export const DEPLOYMENT_CONTROLLER_NAME = 'deployment-controller';

class DeploymentController {
  readonly queue: QueueController;
  private readonly dInformer: SharedIndexInformer<Deployment>;
  private readonly rsInformer: SharedIndexInformer<ReplicaSet>;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly dLister: Lister<Deployment>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly podLister: Lister<Pod>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: DeploymentControllerOptions,
  ) {
    this.dInformer = ctx.informers.informerFor<Deployment>('apps/v1', 'Deployment');
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>('apps/v1', 'ReplicaSet');
    this.podInformer = ctx.informers.informerFor<Pod>('v1', 'Pod');
    this.dLister = this.dInformer.lister();
    this.rsLister = this.rsInformer.lister();
    this.podLister = this.podInformer.lister();
    this.queue = new QueueController({
      name: DEPLOYMENT_CONTROLLER_NAME,
      ctx,
      workers: opts.workers ?? 5,
      reconcile: (key) => this.syncDeployment(key),
      setup: (enqueue) => this.setup(enqueue),
    });
  }

  // ---------------------------------------------------------------------------
  // Event handlers.

  private setup(enqueue: (key: string) => void): void {
    this.dInformer.addEventHandler({
      onAdd: (d) => enqueue(keyOf(d)),
      onUpdate: (_old, cur) => enqueue(keyOf(cur)),
      onDelete: (obj) => enqueue(keyOf(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj)),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => {
        const ref = controllerRef(rs);
        if (ref) {
          const d = this.resolveControllerRef(rs.metadata?.namespace ?? '', ref);
          if (d) enqueue(keyOf(d));
          return;
        }
        for (const d of this.deploymentsSelecting(rs)) enqueue(keyOf(d));
      },
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        const namespace = cur.metadata?.namespace ?? '';
        const curRef = controllerRef(cur);
        const oldRef = controllerRef(old);
        const refChanged = !deepEqual(curRef ?? null, oldRef ?? null);
        if (refChanged && oldRef) {
          const d = this.resolveControllerRef(namespace, oldRef);
          if (d) enqueue(keyOf(d));
        }
        if (curRef) {
          const d = this.resolveControllerRef(namespace, curRef);
          if (d) enqueue(keyOf(d));
          return;
        }
        const labelsChanged = !deepEqual(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {});
        if (labelsChanged || refChanged) for (const d of this.deploymentsSelecting(cur)) enqueue(keyOf(d));
      },
      onDelete: (obj) => {
        const rs = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        const ref = controllerRef(rs);
        if (!ref) return;
        const d = this.resolveControllerRef(rs.metadata?.namespace ?? '', ref);
        if (d) enqueue(keyOf(d));
      },
    });
    // Recreate waits for the old pods to be gone; their deletions move it on.
    this.podInformer.addEventHandler({
      onDelete: (obj) => {
        const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        const d = this.deploymentForPod(pod);
        if (d && d.spec?.strategy?.type === 'Recreate') enqueue(keyOf(d));
      },
    });
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference): Deployment | undefined {
    if (ref.kind !== 'Deployment') return undefined;
    const d = this.dLister.get(namespace, ref.name);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  private deploymentForPod(pod: Pod): Deployment | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const namespace = pod.metadata?.namespace ?? '';
    const rs = this.rsLister.get(namespace, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    const dRef = controllerRef(rs);
    return dRef ? this.resolveControllerRef(namespace, dRef) : undefined;
  }

  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    const labels = rs.metadata?.labels;
    if (!labels) return [];
    return this.dLister
      .namespace(rs.metadata?.namespace ?? '')
      .list()
      .filter((d) => {
        const selector = safeSelector(d);
        return selector !== undefined && !selector.empty() && selector.matches(labels);
      });
  }

  // ---------------------------------------------------------------------------
  // The sync.

  async syncDeployment(key: string): Promise<ReconcileResult> {
    try {
      return await this.sync(key);
    } catch (err) {
      // Our cache was behind a write (ours or someone's): look again, after a backoff.
      if (isConflict(err)) return { requeue: true };
      throw err;
    }
  }

  private async sync(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const cached = this.dLister.get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached);
    d.apiVersion ??= 'apps/v1';
    d.kind ??= 'Deployment';

    const selector = safeSelector(d);
    if (!selector) {
      this.ctx.recorder.event(d, 'Warning', 'InvalidSelector', 'This deployment has an invalid selector.');
      return;
    }
    if (selector.empty()) {
      this.ctx.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.ctx.client.deployments.namespace(namespace).updateStatus({ ...d, status: { ...(d.status ?? {}), observedGeneration: d.metadata.generation } });
      }
      return;
    }

    const rsList = (await this.getReplicaSetsForDeployment(d, selector)).map((rs) => structuredClone(rs));
    const podMap = this.getPodMapForDeployment(d, selector, rsList);
    const s = new DeploymentSync({ client: this.ctx.client, recorder: this.ctx.recorder, clock: this.ctx.clock, rsLister: this.rsLister }, d, rsList, podMap);

    if (d.metadata.deletionTimestamp) {
      await s.syncStatusOnly();
      return;
    }
    await s.checkPausedConditions();
    if (s.d.spec?.paused) {
      await s.sync();
      return;
    }
    if (await s.isScalingEvent()) {
      await s.sync();
      return;
    }
    if (s.d.spec?.strategy?.type === 'Recreate') await rolloutRecreate(s);
    else await rolloutRolling(s);
    return s.outcome.requeue || s.outcome.requeueAfterMs !== undefined ? { ...s.outcome } : undefined;
  }

  /** The ReplicaSets the Deployment controls, adopting orphans it selects and releasing what it no longer selects. */
  private async getReplicaSetsForDeployment(d: Deployment, selector: Selector): Promise<ReplicaSet[]> {
    const namespace = d.metadata.namespace ?? '';
    return claimObjects(this.rsLister.namespace(namespace).list(), {
      owner: d,
      selector,
      client: { patch: (ns, name, patch) => this.ctx.client.replicaSets.namespace(ns).patch(name, patch, 'strategic') },
      getFreshOwner: async () => {
        try {
          return await this.ctx.client.deployments.namespace(namespace).get(d.metadata.name!);
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
    });
  }

  /** The Deployment's pods, by the uid of the ReplicaSet that controls them. */
  private getPodMapForDeployment(d: Deployment, selector: Selector, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) map.set(rs.metadata.uid ?? '', []);
    for (const pod of this.podLister.namespace(d.metadata.namespace ?? '').list((p) => selector.matches(p.metadata?.labels))) {
      const uid = controllerRef(pod)?.uid;
      if (uid !== undefined) map.get(uid)?.push(pod);
    }
    return map;
  }
}

function safeSelector(d: Deployment | ReplicaSet): Selector | undefined {
  try {
    return selectorFromLabelSelector(d.spec?.selector);
  } catch {
    return undefined;
  }
}

/** The Deployment controller (kube's deployment-controller). */
export function newDeploymentController(ctx: ControllerContext, opts: DeploymentControllerOptions = {}): Controller {
  return new DeploymentController(ctx, opts).queue;
}
