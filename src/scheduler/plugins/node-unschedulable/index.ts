// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.

import type { Taint } from '../../../api/generated/index.js';
import { tolerationsTolerateTaint } from '../../framework/helpers.js';
import type { ClusterEvent, FilterPlugin } from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

const UNSCHEDULABLE_TAINT: Taint = { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' };
const REJECTED = Status.unschedulableAndUnresolvable(ERR_REASON_UNSCHEDULABLE).withPlugin(NAME);

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate'];

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status {
    if (!node.unschedulable) return Status.SUCCESS;
    return tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT) ? Status.SUCCESS : REJECTED;
  }
}
