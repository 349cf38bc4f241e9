// The pod garbage collector, after kube's pkg/controller/podgc. Every
// gcCheckPeriodMs it:
//
// - deletes terminated pods (Succeeded or Failed) beyond
//   terminatedPodThreshold, oldest first (evicted pods before others);
// - force-deletes pods bound to a node that no longer exists: a node missing
//   from the cache is quarantined for orphanQuarantineMs, then confirmed gone
//   with a live GET, and its pods are marked Failed and deleted;
// - force-deletes terminating pods that were never scheduled (no kubelet will
//   ever finish them);
// - force-deletes terminating pods on a not-ready node tainted
//   node.kubernetes.io/out-of-service (non-graceful node shutdown).
//
// Force-deleting is deleting with gracePeriodSeconds 0, as kube does.

import type { Node, Pod, PodCondition } from '../../api/generated/index.js';
import { isConflict, isNotFound, type Lister, type SharedIndexInformer } from '../../client/index.js';
import type { TimerHandle } from '../../util/clock.js';
import type { Controller, ControllerContext } from '../runtime/context.js';
import { apiTime as timestamp } from '../../util/time.js';

export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export interface PodGCControllerOptions {
  /** Terminated pods kept before the oldest are deleted (default 12,500; 0 turns this off). */
  terminatedPodThreshold?: number;
  /** How often to look (default 20 s). */
  gcCheckPeriodMs?: number;
  /** How long a node must be missing before its pods count as orphaned (default 40 s). */
  orphanQuarantineMs?: number;
}


export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function isEvicted(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' && pod.status.reason === 'Evicted';
}

function createdMs(pod: Pod): number {
  const t = Date.parse(pod.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** The terminated pods to delete so that at most `threshold` remain: evicted first, then oldest. */
export function terminatedPodsToDelete(pods: readonly Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const excess = terminated.length - threshold;
  if (excess <= 0) return [];
  const sorted = [...terminated].sort(
    (a, b) =>
      Number(isEvicted(b)) - Number(isEvicted(a)) ||
      createdMs(a) - createdMs(b) ||
      `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`),
  );
  return sorted.slice(0, excess);
}

export class PodGCController implements Controller {
  readonly name = 'pod-garbage-collector';
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly nodeInformer: SharedIndexInformer<Node>;
  private readonly pods: Lister<Pod>;
  private readonly nodes: Lister<Node>;
  /** Nodes missing from the cache: when we first noticed. */
  private readonly missingSince = new Map<string, number>();
  private readonly threshold: number;
  private readonly periodMs: number;
  private readonly quarantineMs: number;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ControllerContext,
    opts: PodGCControllerOptions = {},
  ) {
    this.threshold = opts.terminatedPodThreshold ?? 12_500;
    this.periodMs = opts.gcCheckPeriodMs ?? 20_000;
    this.quarantineMs = opts.orphanQuarantineMs ?? 40_000;
    this.podInformer = ctx.informers.informerFor<Pod>('v1', 'Pod');
    this.nodeInformer = ctx.informers.informerFor<Node>('v1', 'Node');
    this.pods = this.podInformer.lister();
    this.nodes = this.nodeInformer.lister();
  }

  start(): void {
    void Promise.all([this.podInformer.waitForSync(), this.nodeInformer.waitForSync()]).then((ok) => {
      if (ok.every(Boolean)) this.schedule(0);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = undefined;
      this.running = this.gc()
        .catch((err) => this.ctx.log.error(`${this.name}: pass failed`, err))
        .finally(() => this.schedule(this.periodMs));
    }, ms);
  }

  /** One pass (kube's gc). */
  async gc(): Promise<void> {
    const pods = this.pods.list();
    if (this.threshold > 0) await this.gcTerminated(pods);
    await this.gcTerminating(pods);
    await this.gcOrphaned(pods);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: Pod[]): Promise<void> {
    const doomed = terminatedPodsToDelete(pods, this.threshold);
    if (doomed.length === 0) return;
    this.ctx.log.info(`${this.name}: deleting ${doomed.length} terminated pods over the threshold of ${this.threshold}`);
    await this.forEach(doomed, (pod) => this.forceDelete(pod));
  }

  /** Terminating pods on a not-ready node marked out of service. */
  private async gcTerminating(pods: Pod[]): Promise<void> {
    const outOfService = new Set(
      this.nodes
        .list()
        .filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True' && (n.spec?.taints ?? []).some((t) => t.key === TAINT_OUT_OF_SERVICE && t.effect === 'NoExecute'))
        .map((n) => n.metadata.name!),
    );
    if (outOfService.size === 0) return;
    const doomed = pods.filter((p) => p.metadata.deletionTimestamp && p.spec?.nodeName && outOfService.has(p.spec.nodeName) && !isPodTerminated(p));
    await this.forEach(doomed, (pod) => this.markFailedAndDelete(pod, 'PodGC: node is out-of-service'));
  }

  /** Pods bound to nodes that are gone, once the node has been missing for the quarantine. */
  private async gcOrphaned(pods: Pod[]): Promise<void> {
    const now = this.ctx.clock.now();
    const referenced = new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n));
    for (const name of [...this.missingSince.keys()]) if (!referenced.has(name) || this.nodes.get(name)) this.missingSince.delete(name);
    const gone = new Set<string>();
    for (const name of referenced) {
      if (this.nodes.get(name)) continue;
      const since = this.missingSince.get(name);
      if (since === undefined) {
        this.missingSince.set(name, now);
        continue;
      }
      if (now - since < this.quarantineMs) continue;
      // The cache says it is gone; the API server must agree.
      try {
        await this.ctx.client.nodes.get(name);
        this.missingSince.delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        gone.add(name);
      }
    }
    if (gone.size === 0) return;
    const doomed = pods.filter((p) => p.spec?.nodeName && gone.has(p.spec.nodeName));
    await this.forEach(doomed, (pod) => this.markFailedAndDelete(pod, 'PodGC: node no longer exists'));
  }

  /** Terminating pods no node will ever finish. */
  private async gcUnscheduledTerminating(pods: Pod[]): Promise<void> {
    const doomed = pods.filter((p) => p.metadata.deletionTimestamp && !p.spec?.nodeName);
    await this.forEach(doomed, (pod) => this.forceDelete(pod));
  }

  private async forEach(pods: Pod[], fn: (pod: Pod) => Promise<void>): Promise<void> {
    // A few at a time: enough to keep up, not enough to flood the API server.
    const queue = [...pods];
    const worker = async (): Promise<void> => {
      for (let pod = queue.shift(); pod && !this.stopped; pod = queue.shift()) {
        try {
          await fn(pod);
        } catch (err) {
          this.ctx.log.error(`${this.name}: deleting pod ${pod.metadata.namespace}/${pod.metadata.name} failed`, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(10, queue.length) }, worker));
  }

  private async forceDelete(pod: Pod): Promise<void> {
    try {
      await this.ctx.client.pods.namespace(pod.metadata.namespace!).delete(pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** As kube (1.26+): a pod that is not terminal yet is marked Failed, with the reason, before it goes. */
  private async markFailedAndDelete(pod: Pod, message: string): Promise<void> {
    if (!isPodTerminated(pod)) {
      const next = structuredClone(pod);
      const cond: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message, lastTransitionTime: timestamp(this.ctx.clock.now()) };
      next.status = {
        ...(next.status ?? {}),
        phase: 'Failed',
        conditions: [...(next.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), cond],
      };
      try {
        await this.ctx.client.pods.namespace(pod.metadata.namespace!).updateStatus(next);
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) this.ctx.log.error(`${this.name}: marking pod ${pod.metadata.namespace}/${pod.metadata.name} failed`, err);
      }
    }
    await this.forceDelete(pod);
  }
}

export function newPodGCController(ctx: ControllerContext, opts: PodGCControllerOptions = {}): PodGCController {
  return new PodGCController(ctx, opts);
}
