// NodeResourcesFit: the pod's requests (max(sum(app containers), max(init
// containers)), sidecars included) must fit in what the node's allocatable
// leaves after the pods already on it, assumed ones included: cpu, memory,
// ephemeral-storage, extended resources, and the pod count.

import type { CycleState } from '../../framework/cycle-state.js';
import type { ClusterEvent, FilterPlugin } from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';

export const NAME = 'NodeResourcesFit';
export const REASON_TOO_MANY_PODS = 'Too many pods';

const TOO_MANY_PODS = Status.unschedulable(REASON_TOO_MANY_PODS).withPlugin(NAME);
const insufficientCache = new Map<string, Status>();

/** "Insufficient <resource>", one shared Status per reason set. */
function insufficient(reasons: string[]): Status {
  const key = reasons.join('\0');
  let s = insufficientCache.get(key);
  if (!s) {
    s = Status.unschedulable(...reasons).withPlugin(NAME);
    if (insufficientCache.size < 1024) insufficientCache.set(key, s);
  }
  return s;
}

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/** What does not fit (noderesources.fitsRequest); empty when the pod fits. */
export function fitsRequest(pod: PodInfo, node: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = node.allocatable;
  const used = node.requested;
  const allowedPods = alloc.allowedPodNumber;
  if (node.pods.length + 1 > allowedPods) {
    out.push({ resourceName: 'pods', reason: REASON_TOO_MANY_PODS, requested: 1, used: node.pods.length, capacity: allowedPods });
  }
  const req = pod.requests;
  if (req.isZero()) return out;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: req.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', requested: req.memory, used: used.memory, capacity: alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
    });
  }
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      const cap = alloc.getScalar(name);
      const u = used.getScalar(name);
      if (q > cap - u) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: u, capacity: cap });
    }
  }
  return out;
}

export class NodeResourcesFit implements FilterPlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeUpdate', 'AssignedPodDelete', 'AssignedPodUpdate'];

  // Requests are parsed into the PodInfo once, so there is no PreFilter to run.
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    // The common case, inlined: everything fits.
    const alloc = node.allocatable;
    const used = node.requested;
    const req = pod.requests;
    if (
      node.pods.length + 1 <= alloc.allowedPodNumber &&
      req.milliCPU <= alloc.milliCPU - used.milliCPU &&
      req.memory <= alloc.memory - used.memory &&
      req.ephemeralStorage <= alloc.ephemeralStorage - used.ephemeralStorage &&
      req.scalar === undefined
    ) {
      return Status.SUCCESS;
    }
    const failures = fitsRequest(pod, node);
    if (failures.length === 0) return Status.SUCCESS;
    if (failures.length === 1 && failures[0].reason === REASON_TOO_MANY_PODS) return TOO_MANY_PODS;
    return insufficient(failures.map((f) => f.reason));
  }
}
