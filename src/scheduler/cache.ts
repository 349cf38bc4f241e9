// The scheduler's cache (kube's internal/cache): a NodeInfo per node with the
// pods on it, fed by the node and pod informers, plus assumed pods. A pod is
// assumed on its node as soon as the scheduler picks the node, so the next
// cycle counts its requests without waiting for the bind and the watch; the
// informer confirms it when it shows the pod bound, and the scheduler forgets
// it when the bind fails. An assumed pod whose bind finished but that the
// informer never confirms (it was deleted at once, say) expires after a TTL.

import type { Node, Pod } from '../api/generated/index.js';
import type { Clock } from '../util/clock.js';
import type { Snapshot } from './framework/snapshot.js';
import { NodeInfo, PodInfo } from './framework/types.js';

interface PodState {
  podInfo: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
  /** For assumed pods whose binding finished: when they expire unless confirmed. */
  deadline: number;
}

export interface SchedulerCacheOptions {
  clock: Clock;
  /** How long an assumed pod lives after its bind succeeded without the informer confirming it (default 30 s). */
  assumedPodTtlMs?: number;
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export class SchedulerCache {
  private readonly clock: Clock;
  private readonly ttl: number;
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private readonly assumedPods = new Set<string>();
  /** Bumped when the set of nodes changes. */
  private listGeneration = 0;
  /** Bumped when pods with affinity come or go. */
  private affinityGeneration = 0;

  constructor(opts: SchedulerCacheOptions) {
    this.clock = opts.clock;
    this.ttl = opts.assumedPodTtlMs ?? 30_000;
  }

  // ---- nodes ----

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.nodes.set(name, ni);
    }
    const wasListed = ni.node !== undefined;
    ni.setNode(node);
    if (!wasListed) this.listGeneration++;
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(node: Node | string): void {
    const name = typeof node === 'string' ? node : (node.metadata?.name ?? '');
    const ni = this.nodes.get(name);
    if (!ni) return;
    // Keep the NodeInfo while pods still name the node: they come back with it.
    if (ni.pods.length === 0) this.nodes.delete(name);
    else ni.clearNode();
    this.listGeneration++;
  }

  // ---- pods ----

  /** Assume `podInfo` runs on `nodeName` (the scheduler picked it; the bind is in flight). */
  assumePod(podInfo: PodInfo, nodeName: string): void {
    if (this.podStates.has(podInfo.uid)) throw new Error(`pod ${podInfo.key} is in the cache, so can't be assumed`);
    this.addToNode(podInfo, nodeName);
    this.podStates.set(podInfo.uid, { podInfo, nodeName, assumed: true, bindingFinished: false, deadline: Infinity });
    this.assumedPods.add(podInfo.uid);
  }

  /** The bind succeeded: start the assumed pod's expiry clock. */
  finishBinding(podInfo: PodInfo): void {
    const st = this.podStates.get(podInfo.uid);
    if (!st || !st.assumed) return;
    st.bindingFinished = true;
    st.deadline = this.clock.now() + this.ttl;
  }

  /** The bind failed (or reserve did): drop the assumed pod. */
  forgetPod(podInfo: PodInfo): void {
    const st = this.podStates.get(podInfo.uid);
    if (!st || !st.assumed) return;
    this.removeFromNode(st.podInfo, st.nodeName);
    this.podStates.delete(podInfo.uid);
    this.assumedPods.delete(podInfo.uid);
  }

  isAssumed(uid: string): boolean {
    return this.assumedPods.has(uid);
  }

  /** An assigned pod from the informer (added, or seen bound for the first time). */
  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    if (isTerminal(pod)) {
      this.removePod(pod);
      return;
    }
    const podInfo = new PodInfo(pod);
    const st = this.podStates.get(podInfo.uid);
    if (st) {
      // Confirms an assumed pod (possibly on another node than assumed), or updates a known one.
      this.removeFromNode(st.podInfo, st.nodeName);
      this.addToNode(podInfo, nodeName);
      this.podStates.set(podInfo.uid, { podInfo, nodeName, assumed: false, bindingFinished: false, deadline: Infinity });
      this.assumedPods.delete(podInfo.uid);
      return;
    }
    this.addToNode(podInfo, nodeName);
    this.podStates.set(podInfo.uid, { podInfo, nodeName, assumed: false, bindingFinished: false, deadline: Infinity });
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? new PodInfo(pod).uid;
    const st = this.podStates.get(uid);
    if (!st) return;
    this.removeFromNode(st.podInfo, st.nodeName);
    this.podStates.delete(uid);
    this.assumedPods.delete(uid);
  }

  /** Drop assumed pods whose binding finished longer than the TTL ago without confirmation. */
  cleanupAssumedPods(): number {
    const now = this.clock.now();
    let n = 0;
    for (const uid of this.assumedPods) {
      const st = this.podStates.get(uid);
      if (!st || !st.bindingFinished || st.deadline > now) continue;
      this.removeFromNode(st.podInfo, st.nodeName);
      this.podStates.delete(uid);
      this.assumedPods.delete(uid);
      n++;
    }
    return n;
  }

  // ---- reading ----

  nodeInfo(name: string): NodeInfo | undefined {
    const ni = this.nodes.get(name);
    return ni?.node ? ni : undefined;
  }

  nodeCount(): number {
    let n = 0;
    for (const ni of this.nodes.values()) if (ni.node) n++;
    return n;
  }

  podCount(): number {
    return this.podStates.size;
  }

  /** Bring a snapshot up to date for the next cycle (lists rebuilt only when they changed). */
  updateSnapshot(snapshot: Snapshot): void {
    if (snapshot.listGeneration !== this.listGeneration) {
      const list: NodeInfo[] = [];
      for (const ni of this.nodes.values()) if (ni.node) list.push(ni);
      snapshot.setNodes(list);
      snapshot.listGeneration = this.listGeneration;
      snapshot.affinityGeneration = -1;
    }
    if (snapshot.affinityGeneration !== this.affinityGeneration) {
      snapshot.rebuildAffinityLists();
      snapshot.affinityGeneration = this.affinityGeneration;
    }
  }

  private addToNode(podInfo: PodInfo, nodeName: string): void {
    let ni = this.nodes.get(nodeName);
    if (!ni) {
      ni = new NodeInfo(nodeName);
      this.nodes.set(nodeName, ni);
    }
    ni.addPod(podInfo);
    if (podInfo.hasAffinity) this.affinityGeneration++;
  }

  private removeFromNode(podInfo: PodInfo, nodeName: string): void {
    const ni = this.nodes.get(nodeName);
    if (!ni) return;
    ni.removePod(podInfo.uid);
    if (podInfo.hasAffinity) this.affinityGeneration++;
    if (!ni.node && ni.pods.length === 0) this.nodes.delete(nodeName);
  }
}
