// TaintToleration: a node's NoSchedule and NoExecute taints keep off pods that
// do not tolerate them; PreferNoSchedule taints only lower the node's score
// (fewer untolerated ones score higher).

import type { Taint, Toleration } from '../../../api/generated/index.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { findUntoleratedTaint, tolerationsTolerateTaint } from '../../framework/helpers.js';
import { defaultNormalizeScore, type ClusterEvent, type FilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';

export const NAME = 'TaintToleration';

export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

const rejections = new Map<string, Status>();

export function countIntolerableTaintsPreferNoSchedule(taints: readonly Taint[], tolerations: readonly Toleration[]): number {
  let n = 0;
  for (const taint of taints) {
    if (taint.effect !== 'PreferNoSchedule') continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) n++;
  }
  return n;
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate'];

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.taints.length === 0) return Status.SUCCESS;
    const taint = findUntoleratedTaint(node.taints, pod.tolerations);
    if (!taint) return Status.SUCCESS;
    const reason = untoleratedTaintReason(taint);
    let s = rejections.get(reason);
    if (!s) {
      s = Status.unschedulableAndUnresolvable(reason).withPlugin(NAME);
      if (rejections.size < 1024) rejections.set(reason, s);
    }
    return s;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    // Only tolerations that can apply to PreferNoSchedule taints matter for scoring.
    state.write(NAME, pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule'));
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    return countIntolerableTaintsPreferNoSchedule(node.taints, state.read<Toleration[]>(NAME) ?? pod.tolerations);
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    defaultNormalizeScore(scores, true);
  }
}
