// NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be
// used in equal proportion after placing the pod:
// score = (1 - standard deviation of the requested fractions) * 100.

import type { CycleState } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type ScorePlugin } from '../../framework/interface.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';

export const NAME = 'NodeResourcesBalancedAllocation';

/** The score for requested fractions (each capped at 1). */
export function balancedScore(fractions: readonly number[]): number {
  const n = fractions.length;
  if (n === 0) return MAX_NODE_SCORE;
  let std = 0;
  if (n === 2) {
    std = Math.abs(fractions[0] - fractions[1]) / 2;
  } else if (n > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / n;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class NodeResourcesBalancedAllocation implements ScorePlugin {
  readonly name = NAME;

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    // Actual requests, not the scoring defaults (useRequested in kube).
    const cpuCap = node.allocatable.milliCPU;
    const memCap = node.allocatable.memory;
    if (cpuCap !== 0 && memCap !== 0) {
      const fc = Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / cpuCap);
      const fm = Math.min(1, (node.requested.memory + pod.requests.memory) / memCap);
      return Math.trunc((1 - Math.abs(fc - fm) / 2) * MAX_NODE_SCORE);
    }
    return MAX_NODE_SCORE;
  }
}
