// The node lifecycle controller, after kube's pkg/controller/nodelifecycle
// and its NoExecute taint manager:
//
// - Health: every nodeMonitorPeriodMs, each node's heartbeat is the last
//   time *this controller* saw its Lease in kube-node-lease renewed or its
//   Ready condition's lastHeartbeatTime change (observation time, as kube,
//   so clock skew between nodes and the control plane does not matter). A
//   node silent for longer than nodeMonitorGracePeriodMs (or
//   nodeStartupGracePeriodMs before it ever posted a Ready condition) gets
//   Ready, MemoryPressure, DiskPressure and PIDPressure set to Unknown
//   ("Kubelet stopped posting node status."), and its pods are marked not
//   ready.
// - Taints: Ready=False → node.kubernetes.io/not-ready, Ready=Unknown →
//   node.kubernetes.io/unreachable, both NoExecute and NoSchedule; pressure
//   conditions and spec.unschedulable → their NoSchedule taints; removed
//   when the condition clears.
// - Eviction: a pod on a node with NoExecute taints it does not tolerate is
//   deleted at once; one that tolerates them for a while is deleted that long
//   after the taints were first seen. Pods without a not-ready/unreachable
//   toleration get DefaultTolerationSeconds' (defaultTolerationSeconds).

import type { Lease, Node, Pod, PodCondition } from '../../api/generated/index.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, type Lister, type ReconcileResult, type SharedIndexInformer } from '../../client/index.js';
import type { TimerHandle } from '../../util/clock.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { keyOf, QueueController, splitKey } from '../runtime/queue-controller.js';
import { condition, desiredTaints, effectiveTolerations, matchingTolerations, minTolerationMs, noExecuteTaints, sameTaints, TAINT_UNREACHABLE } from './taints.js';
import { apiTime as timestamp } from '../../util/time.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** The conditions a silent node gets Unknown for. */
const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
const POD_NODE_INDEX = 'nodelifecycle:nodeName';

export interface NodeLifecycleControllerOptions {
  /** How often node health is checked (default 5 s). */
  nodeMonitorPeriodMs?: number;
  /** How long a node may be silent before it is Unknown (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** How long a new node may go without posting a Ready condition (default 60 s). */
  nodeStartupGracePeriodMs?: number;
  /** tolerationSeconds of the implicit not-ready/unreachable tolerations (default 300). */
  defaultTolerationSeconds?: number;
  /**
   * After evicting a pod from an unreachable node, delete it again with grace period 0: no
   * kubelet is there to finish a graceful deletion (default true; kube leaves it Terminating).
   */
  forceDeleteOnUnreachable?: boolean;
  /** Taint-eviction workers (default 4). */
  workers?: number;
}

interface NodeHealth {
  /** Controller time of the last heartbeat seen. */
  probeTimestamp: number;
  readyHeartbeat: string | undefined;
  leaseRenewTime: string | undefined;
  /** The Ready status seen last, for the NodeNotReady event. */
  readyStatus: string | undefined;
}


function unwrap<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle-controller';
  private readonly nodeInformer: SharedIndexInformer<Node>;
  private readonly leaseInformer: SharedIndexInformer<Lease>;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly nodes: Lister<Node>;
  private readonly leases: Lister<Lease>;
  private readonly pods: Lister<Pod>;
  private readonly health = new Map<string, NodeHealth>();
  /** Pods with an eviction pending: when their taints were first seen. */
  private readonly evictions = new Map<string, { startedAt: number }>();
  private readonly eviction: QueueController;
  private timer: TimerHandle | undefined;
  private monitoring: Promise<void> | undefined;
  private stopped = false;
  private synced = false;
  private readonly periodMs: number;
  private readonly graceMs: number;
  private readonly startupGraceMs: number;
  private readonly defaultTolerationSeconds: number;
  private readonly forceDelete: boolean;

  constructor(
    private readonly ctx: ControllerContext,
    opts: NodeLifecycleControllerOptions = {},
  ) {
    this.periodMs = opts.nodeMonitorPeriodMs ?? 5_000;
    this.graceMs = opts.nodeMonitorGracePeriodMs ?? 40_000;
    this.startupGraceMs = opts.nodeStartupGracePeriodMs ?? 60_000;
    this.defaultTolerationSeconds = opts.defaultTolerationSeconds ?? 300;
    this.forceDelete = opts.forceDeleteOnUnreachable ?? true;
    this.nodeInformer = ctx.informers.informerFor<Node>('v1', 'Node');
    this.leaseInformer = ctx.informers.informerFor<Lease>('coordination.k8s.io/v1', 'Lease');
    this.podInformer = ctx.informers.informerFor<Pod>('v1', 'Pod');
    if (!this.podInformer.indexer.hasIndex(POD_NODE_INDEX)) {
      this.podInformer.addIndexers({ [POD_NODE_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
    }
    this.nodes = this.nodeInformer.lister();
    this.leases = this.leaseInformer.lister();
    this.pods = this.podInformer.lister();
    this.eviction = new QueueController({
      name: 'taint-eviction',
      ctx,
      workers: opts.workers ?? 4,
      reconcile: (key) => (this.synced ? this.processPod(key) : { requeueAfterMs: 50 }),
      setup: (enqueue) => this.registerHandlers(enqueue),
    });
  }

  start(): void {
    this.eviction.start();
    void Promise.all([this.nodeInformer.waitForSync(), this.leaseInformer.waitForSync(), this.podInformer.waitForSync()]).then((ok) => {
      if (!ok.every(Boolean) || this.stopped) return;
      this.synced = true;
      this.schedule(0);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.monitoring;
    await this.eviction.stop();
  }

  private registerHandlers(enqueue: (key: string) => void): void {
    const enqueuePodsOn = (nodeName: string): void => {
      for (const pod of this.podInformer.indexer.byIndex(POD_NODE_INDEX, nodeName)) enqueue(keyOf(pod));
    };
    this.nodeInformer.addEventHandler({
      onAdd: (node) => enqueuePodsOn(node.metadata.name!),
      onUpdate: (oldNode, newNode) => {
        if (!sameTaints(noExecuteTaints(oldNode), noExecuteTaints(newNode))) enqueuePodsOn(newNode.metadata.name!);
      },
      onDelete: (node) => this.health.delete(unwrap(node).metadata.name!),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => {
        if (pod.spec?.nodeName) enqueue(keyOf(pod));
      },
      onUpdate: (oldPod, newPod) => {
        if (oldPod.metadata?.resourceVersion !== newPod.metadata?.resourceVersion && newPod.spec?.nodeName) enqueue(keyOf(newPod));
      },
      onDelete: (pod) => this.evictions.delete(keyOf(unwrap(pod))),
    });
  }

  // ---------------------------------------------------------------------------
  // Node health.

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = undefined;
      this.monitoring = this.monitorNodeHealth()
        .catch((err) => this.ctx.log.error(`${this.name}: monitoring node health failed`, err))
        .finally(() => this.schedule(this.periodMs));
    }, ms);
  }

  /** One pass over every node (kube's monitorNodeHealth). */
  async monitorNodeHealth(): Promise<void> {
    for (const node of this.nodes.list()) {
      if (this.stopped) return;
      try {
        await this.checkNode(node);
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) this.ctx.log.error(`${this.name}: node ${node.metadata.name}`, err);
      }
    }
  }

  /** The time of this node's last heartbeat, as this controller observed it. */
  private observe(node: Node): NodeHealth {
    const name = node.metadata.name!;
    const now = this.ctx.clock.now();
    const heartbeat = condition(node, 'Ready')?.lastHeartbeatTime;
    const renewTime = this.leases.get(NODE_LEASE_NAMESPACE, name)?.spec?.renewTime;
    let h = this.health.get(name);
    if (!h) {
      h = { probeTimestamp: now, readyHeartbeat: heartbeat, leaseRenewTime: renewTime, readyStatus: condition(node, 'Ready')?.status };
      this.health.set(name, h);
      return h;
    }
    if (heartbeat !== undefined && heartbeat !== h.readyHeartbeat) {
      h.readyHeartbeat = heartbeat;
      h.probeTimestamp = now;
    }
    if (renewTime !== undefined && renewTime !== h.leaseRenewTime) {
      h.leaseRenewTime = renewTime;
      h.probeTimestamp = now;
    }
    return h;
  }

  private async checkNode(cached: Node): Promise<void> {
    let node = cached;
    const name = node.metadata.name!;
    const h = this.observe(node);
    const now = this.ctx.clock.now();
    const grace = condition(node, 'Ready') ? this.graceMs : this.startupGraceMs;

    if (now - h.probeTimestamp > grace) {
      const next = structuredClone(node);
      const conditions = (next.status ??= {}).conditions ?? (next.status.conditions = []);
      let changed = false;
      for (const type of MONITORED_CONDITIONS) {
        const c = conditions.find((x) => x.type === type);
        if (!c) {
          conditions.push({
            type,
            status: 'Unknown',
            reason: 'NodeStatusNeverUpdated',
            message: 'Kubelet never posted node status.',
            ...(node.metadata.creationTimestamp ? { lastHeartbeatTime: node.metadata.creationTimestamp } : {}),
            lastTransitionTime: timestamp(now),
          });
          changed = true;
        } else if (c.status !== 'Unknown') {
          c.status = 'Unknown';
          c.reason = 'NodeStatusUnknown';
          c.message = 'Kubelet stopped posting node status.';
          c.lastTransitionTime = timestamp(now);
          changed = true;
        }
      }
      if (changed) {
        node = await this.ctx.client.nodes.updateStatus(next);
        // Our own write is not a heartbeat.
        h.readyHeartbeat = condition(node, 'Ready')?.lastHeartbeatTime;
      }
    }

    const ready = condition(node, 'Ready');
    if (h.readyStatus === 'True' && ready?.status !== 'True') {
      this.ctx.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    h.readyStatus = ready?.status;
    if (ready && ready.status !== 'True') await this.markPodsNotReady(name);

    const taints = desiredTaints(node, timestamp(now));
    if (!sameTaints(taints, node.spec?.taints)) {
      const next = structuredClone(node);
      next.spec = { ...(next.spec ?? {}), taints };
      if (taints.length === 0) delete next.spec.taints;
      await this.ctx.client.nodes.update(next);
    }
  }

  /** MarkPodsNotReady: pods on a node that is not Ready are not ready either. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    for (const pod of this.podInformer.indexer.byIndex(POD_NODE_INDEX, nodeName)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True') continue;
      const next = structuredClone(pod);
      const c = next.status!.conditions!.find((x) => x.type === 'Ready')!;
      c.status = 'False';
      c.lastTransitionTime = timestamp(this.ctx.clock.now());
      try {
        await this.ctx.client.pods.namespace(pod.metadata.namespace!).updateStatus(next);
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err; // the next pass tries again
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Taint-based eviction (kube's NoExecuteTaintManager.processPodOnNode).

  private cancel(key: string, pod: Pod | undefined): void {
    if (!this.evictions.delete(key)) return;
    if (pod) this.ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  async processPod(key: string): Promise<ReconcileResult> {
    const { namespace = '', name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    const nodeName = pod?.spec?.nodeName;
    const node = nodeName ? this.nodes.get(nodeName) : undefined;
    const taints = noExecuteTaints(node);
    if (!pod || !node || taints.length === 0) {
      this.cancel(key, pod);
      return;
    }
    const { all, used } = matchingTolerations(taints, effectiveTolerations(pod, this.defaultTolerationSeconds));
    const now = this.ctx.clock.now();
    if (!all) {
      await this.evict(pod, node);
      return;
    }
    const wait = minTolerationMs(used);
    if (wait < 0) {
      // Tolerated forever.
      this.cancel(key, pod);
      return;
    }
    let pending = this.evictions.get(key);
    if (!pending) this.evictions.set(key, (pending = { startedAt: now }));
    const due = pending.startedAt + wait;
    if (now >= due) {
      await this.evict(pod, node);
      return;
    }
    return { requeueAfterMs: due - now };
  }

  private unreachable(node: Node): boolean {
    return condition(node, 'Ready')?.status === 'Unknown' || noExecuteTaints(node).some((t) => t.key === TAINT_UNREACHABLE);
  }

  private async evict(pod: Pod, node: Node): Promise<void> {
    const key = keyOf(pod);
    const client = this.ctx.client.pods.namespace(pod.metadata.namespace!);
    const force = this.forceDelete && this.unreachable(node);
    try {
      if (!pod.metadata.deletionTimestamp) {
        this.ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
        await this.addDisruptionCondition(pod);
        await client.delete(pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      }
      // Nobody is left on an unreachable node to finish a graceful deletion.
      if (force) await client.delete(pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.evictions.delete(key);
  }

  /** The DisruptionTarget condition kube sets before a taint-manager eviction (best effort). */
  private async addDisruptionCondition(pod: Pod): Promise<void> {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (pod.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) return;
    const next = structuredClone(pod);
    const cond: PodCondition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByTaintManager',
      message: 'Taint manager: deleting due to NoExecute taint',
      lastTransitionTime: timestamp(this.ctx.clock.now()),
    };
    next.status = { ...(next.status ?? {}), conditions: [...(next.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), cond] };
    try {
      await this.ctx.client.pods.namespace(pod.metadata.namespace!).updateStatus(next);
    } catch {
      // Only a hint: the eviction goes ahead without it.
    }
  }
}

export function newNodeLifecycleController(ctx: ControllerContext, opts: NodeLifecycleControllerOptions = {}): NodeLifecycleController {
  return new NodeLifecycleController(ctx, opts);
}
