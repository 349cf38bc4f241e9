// The nodes one scheduling cycle sees (kube's cache Snapshot). The cache
// refreshes it at the start of every cycle; the lists are rebuilt only when
// nodes come or go or pods with affinity move. NodeInfos are shared with the
// cache rather than copied: a scheduling cycle runs synchronously from the
// refresh to the assume, so nothing can change them underneath it.

import type { NodeInfo } from './types.js';

export class Snapshot {
  /** Every node, in a stable order. */
  nodeInfoList: NodeInfo[] = [];
  /** Nodes running at least one pod with (anti-)affinity terms. */
  havePodsWithAffinityList: NodeInfo[] = [];
  /** Nodes running at least one pod with required anti-affinity terms. */
  havePodsWithRequiredAntiAffinityList: NodeInfo[] = [];
  private byName = new Map<string, NodeInfo>();
  /** Cache generations the lists were built at (see SchedulerCache.updateSnapshot). */
  listGeneration = -1;
  affinityGeneration = -1;

  /** A snapshot of fixed NodeInfos (tests, tools). */
  static of(nodes: NodeInfo[]): Snapshot {
    const s = new Snapshot();
    s.setNodes(nodes);
    s.rebuildAffinityLists();
    return s;
  }

  setNodes(nodes: NodeInfo[]): void {
    this.nodeInfoList = nodes;
    this.byName = new Map(nodes.map((n) => [n.name, n]));
  }

  rebuildAffinityLists(): void {
    this.havePodsWithAffinityList = this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
    this.havePodsWithRequiredAntiAffinityList = this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }

  get(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }

  numNodes(): number {
    return this.nodeInfoList.length;
  }
}
