// NodeName: a pod that names a node (spec.nodeName) fits only that node.

import type { ClusterEvent, FilterPlugin } from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

const REJECTED = Status.unschedulableAndUnresolvable(ERR_REASON).withPlugin(NAME);

export class NodeName implements FilterPlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd'];

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status {
    const want = pod.pod.spec?.nodeName;
    return !want || want === node.name ? Status.SUCCESS : REJECTED;
  }
}
