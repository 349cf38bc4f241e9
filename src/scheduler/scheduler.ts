// The scheduler (kube-scheduler's Scheduler): watches pending pods of its
// schedulerName and the nodes, and runs one scheduling cycle at a time
// (snapshot → filter → score → assume), while binding runs in the background
// so the next cycle starts at once. A pod that fits nowhere gets
// PodScheduled=False/Unschedulable with kube's message and a FailedScheduling
// event, and waits in the queue for a cluster event that may help.
//
// gitplane does not preempt: the PostFilter message says preemption would not
// help, as kube's says when no victims can be found.

import type { Labels } from '../api/labels.js';
import type { Namespace, Node, Pod, PodCondition } from '../api/generated/index.js';
import { DeletedFinalStateUnknown, isNotFound, type Client, type HandlerRegistration, type InformerFactory, type SharedIndexInformer } from '../client/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { SchedulerCache } from './cache.js';
import { CycleState } from './framework/cycle-state.js';
import type { ClusterEvent, Handle } from './framework/interface.js';
import { Profile, type PluginConfig } from './framework/profile.js';
import { Snapshot } from './framework/snapshot.js';
import type { PodInfo } from './framework/types.js';
import { clientBinder } from './plugins/default-binder/index.js';
import { defaultPlugins } from './plugins/registry.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue.js';
import { ScheduleAlgorithm } from './schedule-one.js';
import { apiTime as timestamp } from '../util/time.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** What the scheduler is given; a controller's ControllerContext is one. */
export interface SchedulerContext {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  recorder: {
    event(
      obj: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string } },
      type: 'Normal' | 'Warning',
      reason: string,
      message: string,
    ): void;
  };
  log: { info(message: string): void; error(message: string, err?: unknown): void };
}

export interface SchedulerOptions {
  /** Pods whose spec.schedulerName is this (empty counts as the default) are ours. Default "default-scheduler". */
  schedulerName?: string;
  /**
   * kube's parallelism (default 16). Filter and Score run on one JS thread, so here it
   * bounds the binding calls in flight instead (parallelism × 16).
   */
  parallelism?: number;
  /** 0/undefined: adaptive (50% − nodes/125, at least 5%, at least 100 nodes). */
  percentageOfNodesToScore?: number;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Unschedulable pods are retried anyway after this long (default 60 s). */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** Replace the default plugins (tests, other profiles). */
  plugins?: (handle: Handle) => PluginConfig[];
  /** Tie-breaking between equally scored nodes (default Math.random). */
  random?: () => number;
}

export interface SchedulerStats {
  /** Pods bound. */
  scheduled: number;
  /** Failed attempts (did not fit, errors, failed binds). */
  failed: number;
  /** Scheduling cycles run. */
  attempts: number;
}

const isAssigned = (pod: Pod): boolean => !!pod.spec?.nodeName;
const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';


function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** A node change that may let a pod fit (not a heartbeat). */
function nodeSchedulingPropertiesChanged(oldNode: Node, newNode: Node): boolean {
  return (
    !!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable ||
    !sameJson(oldNode.metadata?.labels, newNode.metadata?.labels) ||
    !sameJson(oldNode.spec?.taints, newNode.spec?.taints) ||
    !sameJson(oldNode.status?.allocatable, newNode.status?.allocatable)
  );
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Scheduler {
  readonly name = 'scheduler';
  readonly schedulerName: string;
  readonly stats: SchedulerStats = { scheduled: 0, failed: 0, attempts: 0 };
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly profile: Profile;
  readonly algorithm: ScheduleAlgorithm;
  private readonly snapshot = new Snapshot();
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly nodeInformer: SharedIndexInformer<Node>;
  private readonly namespaceInformer: SharedIndexInformer<Namespace>;
  private readonly registrations: HandlerRegistration[] = [];
  private readonly abort = new AbortController();
  private readonly binds = new Set<Promise<void>>();
  private readonly maxInFlightBinds: number;
  private bindSlot: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private cleanupTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: SchedulerContext,
    opts: SchedulerOptions = {},
  ) {
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.maxInFlightBinds = Math.max(1, (opts.parallelism ?? 16) * 16);
    this.podInformer = ctx.informers.informerFor<Pod>('v1', 'Pod');
    this.nodeInformer = ctx.informers.informerFor<Node>('v1', 'Node');
    this.namespaceInformer = ctx.informers.informerFor<Namespace>('v1', 'Namespace');
    const handle: Handle = {
      namespaceLabels: (ns) => this.namespaceInformer.indexer.getByKey(ns)?.metadata?.labels as Labels | undefined,
    };
    const binder = clientBinder(ctx.client);
    this.profile = new Profile(this.schedulerName, opts.plugins ? opts.plugins(handle) : defaultPlugins(handle, binder));
    this.algorithm = new ScheduleAlgorithm(this.profile, {
      ...(opts.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: opts.percentageOfNodesToScore } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    });
    this.cache = new SchedulerCache({ clock: ctx.clock });
    this.queue = new SchedulingQueue({
      clock: ctx.clock,
      ...(opts.podInitialBackoffMs !== undefined ? { podInitialBackoffMs: opts.podInitialBackoffMs } : {}),
      ...(opts.podMaxBackoffMs !== undefined ? { podMaxBackoffMs: opts.podMaxBackoffMs } : {}),
      ...(opts.podMaxInUnschedulablePodsDurationMs !== undefined ? { podMaxInUnschedulablePodsDurationMs: opts.podMaxInUnschedulablePodsDurationMs } : {}),
      eventsOf: (plugin) => this.profile.eventsOf(plugin),
    });
  }

  /** Whether this scheduler schedules the pod (pending, ours, not being deleted). */
  responsibleFor(pod: Pod): boolean {
    return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === this.schedulerName && !pod.metadata?.deletionTimestamp && !isTerminal(pod);
  }

  start(): void {
    this.registrations.push(
      this.nodeInformer.addEventHandler({
        onAdd: (node) => {
          this.cache.addNode(node);
          this.queue.moveAllToActiveOrBackoffQueue('NodeAdd');
        },
        onUpdate: (oldNode, newNode) => {
          this.cache.updateNode(newNode);
          if (nodeSchedulingPropertiesChanged(oldNode, newNode)) this.queue.moveAllToActiveOrBackoffQueue('NodeUpdate');
        },
        onDelete: (obj) => {
          const node = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
          this.cache.removeNode(node);
        },
      }),
      this.podInformer.addEventHandler({
        onAdd: (pod) => this.onPodAdd(pod),
        onUpdate: (oldPod, newPod) => this.onPodUpdate(oldPod, newPod),
        onDelete: (obj) => this.onPodDelete(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
      }),
    );
    this.queue.run();
    const cleanup = (): void => {
      if (this.stopped) return;
      this.cache.cleanupAssumedPods();
      this.cleanupTimer = this.ctx.clock.setTimeout(cleanup, 1000);
    };
    this.cleanupTimer = this.ctx.clock.setTimeout(cleanup, 1000);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.queue.close();
    this.cleanupTimer?.cancel();
    for (const r of this.registrations) r.remove();
    this.bindSlot?.();
    await this.loop;
    await Promise.allSettled([...this.binds]);
  }

  // ---------------------------------------------------------------------------
  // Informer events.

  private onPodAdd(pod: Pod): void {
    if (isAssigned(pod)) {
      if (isTerminal(pod)) return;
      this.cache.addPod(pod);
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd');
    } else if (this.responsibleFor(pod)) {
      this.queue.add(pod);
    }
  }

  private onPodUpdate(oldPod: Pod, newPod: Pod): void {
    if (isAssigned(newPod)) {
      if (!isAssigned(oldPod)) {
        // Bound (by us or someone else): no longer pending.
        this.queue.delete(newPod);
        if (isTerminal(newPod)) this.cache.removePod(newPod);
        else this.cache.addPod(newPod);
        this.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd');
        return;
      }
      if (isTerminal(newPod)) {
        this.cache.removePod(newPod);
        if (!isTerminal(oldPod)) this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
        return;
      }
      this.cache.updatePod(newPod);
      if (!sameJson(oldPod.metadata?.labels, newPod.metadata?.labels)) this.queue.moveAllToActiveOrBackoffQueue('AssignedPodUpdate');
      return;
    }
    if (this.responsibleFor(newPod)) this.queue.update(newPod);
    else this.queue.delete(newPod);
  }

  private onPodDelete(pod: Pod): void {
    this.queue.delete(pod);
    const hadIt = isAssigned(pod) || this.cache.isAssumed(pod.metadata?.uid ?? '');
    this.cache.removePod(pod);
    if (hadIt) this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
  }

  // ---------------------------------------------------------------------------
  // The scheduling loop.

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const synced = await Promise.all([this.podInformer.waitForSync(signal), this.nodeInformer.waitForSync(signal)]);
    if (!synced.every(Boolean)) return;
    while (!this.stopped) {
      const qp = await this.queue.pop();
      if (!qp || this.stopped) break;
      try {
        this.scheduleOne(qp);
      } catch (err) {
        // A bug, not a decision: log it and retry the pod later.
        this.ctx.log.error(`scheduler: scheduling ${qp.podInfo.key} failed`, err);
        this.queue.addUnschedulableIfNotPresent(qp, { error: true });
      }
      while (this.binds.size >= this.maxInFlightBinds && !this.stopped) await new Promise<void>((r) => (this.bindSlot = r));
      await yieldToEventLoop();
    }
  }

  /** One scheduling cycle, synchronous from the snapshot to the assume; binding goes on in the background. */
  scheduleOne(qp: QueuedPodInfo): void {
    const podInfo = qp.podInfo;
    if (podInfo.terminating || this.cache.isAssumed(podInfo.uid)) {
      this.queue.done(podInfo.key);
      return;
    }
    this.stats.attempts++;
    const state = new CycleState();
    this.cache.updateSnapshot(this.snapshot);
    const outcome = this.algorithm.schedulePod(state, podInfo, this.snapshot);
    switch (outcome.kind) {
      case 'scheduled':
        break;
      case 'unschedulable':
        qp.unschedulablePlugins = outcome.error.diagnosis.unschedulablePlugins;
        this.handleFailure(qp, 'Unschedulable', outcome.error.message, false);
        return;
      case 'noNodes':
        qp.unschedulablePlugins = new Set();
        this.handleFailure(qp, 'Unschedulable', outcome.message, false);
        return;
      case 'error':
        qp.unschedulablePlugins = new Set();
        this.handleFailure(qp, 'SchedulerError', outcome.status.message(), true);
        return;
    }
    const nodeName = outcome.nodeName;
    this.cache.assumePod(podInfo, nodeName);
    const reserved = this.profile.runReservePluginsReserve(state, podInfo, nodeName);
    if (!reserved.isSuccess()) {
      this.profile.runReservePluginsUnreserve(state, podInfo, nodeName);
      this.cache.forgetPod(podInfo);
      qp.unschedulablePlugins = new Set();
      this.handleFailure(qp, 'SchedulerError', reserved.message(), true);
      return;
    }
    const bind = this.bindingCycle(state, qp, podInfo, nodeName).finally(() => {
      this.binds.delete(bind);
      const wake = this.bindSlot;
      this.bindSlot = undefined;
      wake?.();
    });
    this.binds.add(bind);
  }

  private async bindingCycle(state: CycleState, qp: QueuedPodInfo, podInfo: PodInfo, nodeName: string): Promise<void> {
    const status = await this.profile.runBindPlugins(state, podInfo, nodeName);
    if (status.isSuccess()) {
      this.cache.finishBinding(podInfo);
      this.queue.done(podInfo.key);
      this.stats.scheduled++;
      this.ctx.recorder.event(this.eventTarget(podInfo.pod), 'Normal', 'Scheduled', `Successfully assigned ${podInfo.namespace}/${podInfo.name} to ${nodeName}`);
      return;
    }
    this.cache.forgetPod(podInfo);
    this.profile.runReservePluginsUnreserve(state, podInfo, nodeName);
    // The resources the pod held are free again.
    this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
    if (isNotFound(status.error)) {
      this.stats.failed++;
      this.queue.done(podInfo.key);
      return;
    }
    qp.unschedulablePlugins = new Set();
    this.handleFailure(qp, 'SchedulerError', `Binding rejected: ${status.message()}`, true);
  }

  private handleFailure(qp: QueuedPodInfo, reason: 'Unschedulable' | 'SchedulerError', message: string, error: boolean): void {
    this.stats.failed++;
    const stillPending = this.queue.isInFlight(qp.podInfo.key);
    this.queue.addUnschedulableIfNotPresent(qp, { error });
    if (!stillPending || this.stopped) return;
    const pod = this.podInformer.indexer.getByKey(qp.podInfo.key) ?? qp.podInfo.pod;
    if (isAssigned(pod) || pod.metadata?.deletionTimestamp) return;
    this.ctx.recorder.event(this.eventTarget(pod), 'Warning', 'FailedScheduling', message);
    void this.updatePodScheduledCondition(pod, reason, message);
  }

  /** Set PodScheduled=False with the reason and message, unless it says that already. */
  private async updatePodScheduledCondition(pod: Pod, reason: string, message: string): Promise<void> {
    const existing = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    if (existing && existing.status === 'False' && existing.reason === reason && existing.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: existing?.status === 'False' && existing.lastTransitionTime ? existing.lastTransitionTime : timestamp(this.ctx.clock.now()),
    };
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      await this.ctx.client.pods.namespace(ns).patch(name, { status: { conditions: [condition] } }, 'strategic', { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) this.ctx.log.error(`scheduler: updating the PodScheduled condition of ${ns}/${name} failed`, err);
    }
  }

  private eventTarget(pod: Pod): { apiVersion: string; kind: string; metadata: Pod['metadata'] } {
    return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
  }
}

/** The cluster events the scheduler reacts to (for documentation and tests). */
export const CLUSTER_EVENTS: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate', 'AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete'];
