// NodeResourcesLeastAllocated: prefer nodes with the most free cpu and memory
// after placing the pod, counting the scheduler's defaults (100m, 200Mi) for
// containers that request nothing (NodeResourcesFit's LeastAllocated strategy):
// score = mean over resources of (allocatable - requested) * 100 / allocatable.

import type { CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type ScorePlugin } from '../../framework/interface.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';

export const NAME = 'NodeResourcesLeastAllocated';

/** (capacity - requested) * 100 / capacity, 0 when over capacity (integer, as kube). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export interface LeastAllocatedArgs {
  /** Resource weights (default cpu 1, memory 1). */
  cpuWeight?: number;
  memoryWeight?: number;
}

export class NodeResourcesLeastAllocated implements ScorePlugin {
  readonly name = NAME;
  private readonly cpuWeight: number;
  private readonly memoryWeight: number;

  constructor(args: LeastAllocatedArgs = {}) {
    this.cpuWeight = args.cpuWeight ?? 1;
    this.memoryWeight = args.memoryWeight ?? 1;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let score = 0;
    let weights = 0;
    const cpuCap = node.allocatable.milliCPU;
    if (cpuCap !== 0) {
      score += leastRequestedScore(node.nonZeroMilliCPU + pod.nonZeroMilliCPU, cpuCap) * this.cpuWeight;
      weights += this.cpuWeight;
    }
    const memCap = node.allocatable.memory;
    if (memCap !== 0) {
      score += leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, memCap) * this.memoryWeight;
      weights += this.memoryWeight;
    }
    return weights === 0 ? 0 : Math.trunc(score / weights);
  }
}
